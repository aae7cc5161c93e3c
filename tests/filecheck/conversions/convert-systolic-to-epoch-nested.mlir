// convert-systolic-to-epoch: windows that move in two nested chunk loops (a loop over folds
// around a loop over chunks). The outer loop's register starts with `li`; the inner loop's
// starts from it with `addi` before the inner loop, so each outer iteration restarts the inner
// walk where the outer one has got to. A window that moves in the outer loop only uses the
// outer register inside the inner loop too.
// RUN: epoch opt %s -p convert-systolic-to-epoch --split-input-file | filecheck %s

// CHECK:      epoch.cfg mac, ws, 0
// The weight tile moves 16 words (4 rows) per fold, x and y 4 words (columns): two registers.
// CHECK-NEXT: epoch.li r1, 0
// CHECK-NEXT: epoch.li r2, 0
// CHECK-NEXT: epoch.loop 2, r1 += 16, r2 += 4 {
// CHECK-NEXT:   epoch.ldw 0, 4096(r1), 4, 4, 4 trans
// x and y also move 32 words (4 rows of 8) per chunk: one inner register, from r2.
// CHECK-NEXT:   epoch.addi r3, r2, 0
// CHECK-NEXT:   epoch.loop 4, r3 += 32 {
// CHECK-NEXT:     epoch.load 0(r0), 0(r3), 4, 4, 4, 8
// CHECK-NEXT:     epoch.mm 0, 8192(r0), 0(r0), 0(r0), 4, 4, 4, 4, 4, 0
// CHECK-NEXT:     epoch.store 256(r3), 8192(r0), 4, 4, 8, 4
// CHECK-NEXT:     epoch.store 256(r2), 8192(r0), 1, 4, 8, 4
// CHECK-NEXT:   }
// CHECK-NEXT: }
// CHECK-NEXT: epoch.halt
builtin.module attributes {systolic.target = #systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 4096, weight 4096, output 4096]>} {
  func.func @main(%x: !systolic.dram<16x8xf32>, %w: !systolic.dram<16x8xf32>) -> !systolic.dram<16x8xf32> {
    %y = systolic.alloc_dram : !systolic.dram<16x8xf32>
    %xb = systolic.alloc at 0 : !systolic.sram<input, 4x4xf32>
    %yb = systolic.alloc at 0 : !systolic.sram<output, 4x4xf32>
    %wb = systolic.alloc at 0 : !systolic.sram<weight, 8x4xf32>
    systolic.configure <mac, ws> {
      // two folds of 4 columns
      systolic.chunk_loop 2 {
        systolic.preload_tile %wb[0, 0] step [4, 0] sizes [4, 4] transpose -> slot 0 : !systolic.sram<weight, 8x4xf32>
        // four chunks of 4 rows in each fold
        systolic.chunk_loop 4 {
          systolic.load %x[0, 0] step [4, 0, 0, 4] -> %xb[0, 0] sizes [4, 4] : !systolic.dram<16x8xf32>, !systolic.sram<input, 4x4xf32>
          systolic.matmul_tile a %xb[0, 0] slot 0 -> %yb[0, 0] m 4 n 4 k 4 : !systolic.sram<input, 4x4xf32>, !systolic.sram<output, 4x4xf32>
          systolic.store %yb[0, 0] -> %y[0, 0] step [4, 0, 0, 4] sizes [4, 4] : !systolic.sram<output, 4x4xf32>, !systolic.dram<16x8xf32>
          systolic.store %yb[0, 0] -> %y[0, 0] step [0, 0, 0, 4] sizes [1, 4] : !systolic.sram<output, 4x4xf32>, !systolic.dram<16x8xf32>
        }
      }
    }
    func.return %y : !systolic.dram<16x8xf32>
  }
}

// -----

// A register a nested loop used (r2, given back when that loop ended) is not handed to the
// loop around it: the store after the inner loop moves with the outer loop, at its own rate,
// and gets r3, since the inner loop runs while the outer loop's registers hold their values.
// CHECK:      epoch.li r1, 0
// CHECK-NEXT: epoch.li r3, 0
// CHECK-NEXT: epoch.loop 2, r1 += 32, r3 += 64 {
// CHECK-NEXT:   epoch.load 0(r0), 0(r1), 4, 8, 8, 8
// CHECK-NEXT:   epoch.li r2, 0
// CHECK-NEXT:   epoch.loop 2, r2 += 4 {
// CHECK-NEXT:     epoch.mm 0, 8192(r0), 0(r2), 0(r0), 4, 4, 4, 8, 8, 8
// CHECK-NEXT:   }
// CHECK-NEXT:   epoch.store 64(r3), 8192(r0), 4, 8, 16, 8
// CHECK-NEXT: }
builtin.module attributes {systolic.target = #systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 4096, weight 4096, output 4096]>} {
  func.func @main(%x: !systolic.dram<8x8xf32>) -> !systolic.dram<8x16xf32> {
    %y = systolic.alloc_dram : !systolic.dram<8x16xf32>
    %xb = systolic.alloc at 0 : !systolic.sram<input, 4x8xf32>
    %yb = systolic.alloc at 0 : !systolic.sram<output, 4x8xf32>
    systolic.configure <mac, os> {
      systolic.chunk_loop 2 {
        systolic.load %x[0, 0] step [4, 0] -> %xb[0, 0] sizes [4, 8] : !systolic.dram<8x8xf32>, !systolic.sram<input, 4x8xf32>
        systolic.chunk_loop 2 {
          systolic.matmul_tile a %xb[0, 0] step [0, 4] b %xb[0, 0] -> %yb[0, 0] m 4 n 4 k 4 : !systolic.sram<input, 4x8xf32>, !systolic.sram<input, 4x8xf32>, !systolic.sram<output, 4x8xf32>
        }
        systolic.store %yb[0, 0] -> %y[0, 0] step [4, 0] sizes [4, 8] : !systolic.sram<output, 4x8xf32>, !systolic.dram<8x16xf32>
      }
    }
    func.return %y : !systolic.dram<8x16xf32>
  }
}
