// systolic-allocate-sram gives every buffer without `at` a word offset in its bank: first fit
// in program order by liveness (a use inside a loop keeps a buffer alive to the loop's end),
// two-word aligned; buffers that are live at once never overlap; a bank too small for what is
// live at once is an error at the buffer that does not fit.
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p systolic-allocate-sram | filecheck %s

// CHECK-LABEL: func.func @reuse
// CHECK-NEXT: %a = systolic.alloc at 0 : !systolic.sram<input, 4x4xf32>
// CHECK-NEXT: %b = systolic.alloc at 16 : !systolic.sram<input, 4x4xf32>
// %a's last use is before %c exists: %c takes its place, %b is still live.
// CHECK: %c = systolic.alloc at 0 : !systolic.sram<input, 3xf32>
// An odd-sized buffer rounds up: %d starts at an even word.
// CHECK-NEXT: %d = systolic.alloc at 4 : !systolic.sram<input, 2xf32>
// A buffer given an address keeps it.
// CHECK: %e = systolic.alloc at 100 : !systolic.sram<weight, 4xf32>
builtin.module attributes {systolic.target = #systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 64, weight 128, output 64]>} {
  func.func @reuse(%x: !systolic.dram<4x4xf32>) {
    %a = systolic.alloc : !systolic.sram<input, 4x4xf32>
    %b = systolic.alloc : !systolic.sram<input, 4x4xf32>
    systolic.load %x[0, 0] -> %a[0, 0] sizes [4, 4] : !systolic.dram<4x4xf32>, !systolic.sram<input, 4x4xf32>
    systolic.load %x[0, 0] -> %b[0, 0] sizes [4, 4] : !systolic.dram<4x4xf32>, !systolic.sram<input, 4x4xf32>
    %c = systolic.alloc : !systolic.sram<input, 3xf32>
    %d = systolic.alloc : !systolic.sram<input, 2xf32>
    systolic.load %x[0, 0] -> %c[0, 0] sizes [1, 3] : !systolic.dram<4x4xf32>, !systolic.sram<input, 3xf32>
    systolic.load %x[0, 0] -> %d[0, 0] sizes [1, 2] : !systolic.dram<4x4xf32>, !systolic.sram<input, 2xf32>
    systolic.load %x[0, 0] -> %b[0, 0] sizes [4, 4] : !systolic.dram<4x4xf32>, !systolic.sram<input, 4x4xf32>
    %e = systolic.alloc at 100 : !systolic.sram<weight, 4xf32>
    systolic.load %x[0, 0] -> %e[0, 0] sizes [1, 4] : !systolic.dram<4x4xf32>, !systolic.sram<weight, 4xf32>
    func.return
  }
}

// -----

// Live at once: 3 x 32 words do not fit the 64 of bank input.
// CHECK: 'systolic.alloc' op SRAM bank 'input' cannot hold this 32-word buffer: 64 of its 64 words are in use by live buffers
builtin.module attributes {systolic.target = #systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 64, weight 128, output 64]>} {
  func.func @full(%x: !systolic.dram<4x8xf32>) {
    %a = systolic.alloc : !systolic.sram<input, 4x8xf32>
    %b = systolic.alloc : !systolic.sram<input, 4x8xf32>
    %c = systolic.alloc : !systolic.sram<input, 4x8xf32>
    systolic.load %x[0, 0] -> %a[0, 0] sizes [4, 8] : !systolic.dram<4x8xf32>, !systolic.sram<input, 4x8xf32>
    systolic.load %x[0, 0] -> %b[0, 0] sizes [4, 8] : !systolic.dram<4x8xf32>, !systolic.sram<input, 4x8xf32>
    systolic.load %x[0, 0] -> %c[0, 0] sizes [4, 8] : !systolic.dram<4x8xf32>, !systolic.sram<input, 4x8xf32>
    func.return
  }
}
