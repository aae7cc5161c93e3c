// convert-systolic-to-epoch: each systolic op that works becomes one instruction; storage gets
// addresses (symbols: arguments, constants with their data, results, DRAM intermediates, SRAM
// buffers); windows become memory operands, through address registers when they are beyond the
// offset field (a scratch register set by `li`) or step with a loop (one register per distinct
// advance: the loop's two stride slots, then `addi`s at the end of the body); a chunk loop
// becomes a hardware loop. Each instruction keeps its systolic op's location.
// RUN: epoch opt %s -p convert-systolic-to-epoch | filecheck %s
// RUN: epoch opt %s -p convert-systolic-to-epoch --print-debuginfo | filecheck %s --check-prefix=LOC

// CHECK:      epoch.program {
// CHECK-NEXT:   epoch.symbol arg @arg0 at 0 : tensor<16x4xf32>
// CHECK-NEXT:   epoch.symbol const @c1 at 64 = dense<5.000000e-01> : tensor<4x4xf32>
// CHECK-NEXT:   epoch.symbol result @res0 at 80 : tensor<16x4xf32>
// CHECK-NEXT:   epoch.symbol dram @t3 at 144 : tensor<16384x8192xf32>
// CHECK-NEXT:   epoch.symbol sram @buf4 at 0 : tensor<16xf32>
// CHECK-NEXT:   epoch.symbol sram @buf5 at 4096 : tensor<16xf32>
// CHECK-NEXT:   epoch.symbol sram @buf6 at 4112 : tensor<4xf32>
// CHECK-NEXT:   epoch.symbol sram @buf7 at 8192 : tensor<16xf32>
// CHECK-NEXT:   epoch.load 4096(r0), 64(r0), 4, 4, 4, 4
// A DRAM word beyond the 2^26-word offset field: its high part goes to a scratch register.
// CHECK-NEXT:   epoch.li r13, 67108864
// CHECK-NEXT:   epoch.load 4112(r0), 67100816(r13), 1, 4, 4, 8192
// CHECK-NEXT:   epoch.cfg mac, ws, 0
// CHECK-NEXT:   epoch.ldw 0, 4096(r0), 4, 4, 4 trans
// Three distinct advances: 16 (x and y move together), 8192 and 16384 words per iteration.
// CHECK-NEXT:   epoch.li r1, 0
// CHECK-NEXT:   epoch.li r2, 0
// CHECK-NEXT:   epoch.li r3, 0
// CHECK-NEXT:   epoch.loop 4, r1 += 16, r2 += 8192 {
// CHECK-NEXT:     epoch.load 0(r0), 0(r1), 4, 4, 4, 4
// CHECK-NEXT:     epoch.mm 0, 8192(r0), 0(r0), 0(r0), 4, 4, 4, 4, 4, 0
// A row broadcast reads its one row again for every row: stride 0.
// CHECK-NEXT:     epoch.vadd 8192(r0), 8192(r0), 4112(r0), 4, 4, 4, 4, 0
// CHECK-NEXT:     epoch.store 80(r1), 8192(r0), 4, 4, 4, 4
// CHECK-NEXT:     epoch.store 144(r2), 8192(r0), 4, 4, 8192, 4
// CHECK-NEXT:     epoch.store 144(r3), 8192(r0), 4, 4, 8192, 4
// CHECK-NEXT:     epoch.addi r3, r3, 16384
// CHECK-NEXT:   }
// CHECK-NEXT:   epoch.halt
// CHECK-NEXT: }
// LOC: epoch.li r13, 67108864 loc("{{.*}}convert-systolic-to-epoch.mlir":54:5)
// LOC-NEXT: epoch.load 4112(r0), 67100816(r13), 1, 4, 4, 8192 loc("{{.*}}convert-systolic-to-epoch.mlir":54:5)
// LOC: epoch.mm {{.*}} loc("{{.*}}convert-systolic-to-epoch.mlir":59:9)
builtin.module attributes {systolic.target = #systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 4096, weight 4096, output 4096]>} {
  func.func @main(%x: !systolic.dram<16x4xf32>) -> !systolic.dram<16x4xf32> {
    %w = systolic.constant dense<5.000000e-01> : tensor<4x4xf32>
    %y = systolic.alloc_dram : !systolic.dram<16x4xf32>
    %far = systolic.alloc_dram : !systolic.dram<16384x8192xf32>
    %xb = systolic.alloc at 0 : !systolic.sram<input, 4x4xf32>
    %wb = systolic.alloc at 0 : !systolic.sram<weight, 4x4xf32>
    %row = systolic.alloc at 16 : !systolic.sram<weight, 4xf32>
    %yb = systolic.alloc at 0 : !systolic.sram<output, 4x4xf32>
    systolic.load %w[0, 0] -> %wb[0, 0] sizes [4, 4] : !systolic.dram<4x4xf32>, !systolic.sram<weight, 4x4xf32>
    systolic.load %far[16383, 0] -> %row[0, 0] sizes [1, 4] : !systolic.dram<16384x8192xf32>, !systolic.sram<weight, 4xf32>
    systolic.configure <mac, ws> {
      systolic.preload_tile %wb[0, 0] sizes [4, 4] transpose -> slot 0 : !systolic.sram<weight, 4x4xf32>
      systolic.chunk_loop 4 {
        systolic.load %x[0, 0] step [4, 0] -> %xb[0, 0] sizes [4, 4] : !systolic.dram<16x4xf32>, !systolic.sram<input, 4x4xf32>
        systolic.matmul_tile a %xb[0, 0] slot 0 -> %yb[0, 0] m 4 n 4 k 4 : !systolic.sram<input, 4x4xf32>, !systolic.sram<output, 4x4xf32>
        systolic.vector add %yb[0, 0], %row[0, 0] bcast row -> %yb[0, 0] sizes [4, 4] : !systolic.sram<output, 4x4xf32>, !systolic.sram<weight, 4xf32>, !systolic.sram<output, 4x4xf32>
        systolic.store %yb[0, 0] -> %y[0, 0] step [4, 0] sizes [4, 4] : !systolic.sram<output, 4x4xf32>, !systolic.dram<16x4xf32>
        systolic.store %yb[0, 0] -> %far[0, 0] step [1, 0] sizes [4, 4] : !systolic.sram<output, 4x4xf32>, !systolic.dram<16384x8192xf32>
        systolic.store %yb[0, 0] -> %far[0, 0] step [2, 0] sizes [4, 4] : !systolic.sram<output, 4x4xf32>, !systolic.dram<16384x8192xf32>
      }
    }
    func.return %y : !systolic.dram<16x4xf32>
  }
}
