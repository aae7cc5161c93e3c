// Every verifier rule of the selective scan's two ops, one case per chunk, on an 8x4 LIMA array.
// RUN: epoch opt %s --split-input-file --verify-diagnostics | filecheck %s
// Every chunk must fail: no module may be printed.
// RUN: epoch opt %s --split-input-file --verify-diagnostics | filecheck %s --check-prefix=NOMODULE
// NOMODULE-NOT: builtin.module

// Three sizes: steps, channels, modes.
%d = systolic.alloc : !systolic.sram<input, 16x8xf32>
%a = systolic.alloc : !systolic.sram<weight, 8x4xf32>
%p = systolic.alloc : !systolic.sram<weight, 64x8xf32>
// CHECK: selective-invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.selective_discretize' op sizes must be three positive numbers [steps, channels, modes], got [16, 8]
systolic.selective_discretize %d[0, 0], %a[0, 0] -> %p[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x4xf32>, !systolic.sram<weight, 64x8xf32>

// -----

// f32 only.
%d = systolic.alloc : !systolic.sram<input, 16x8xf32>
%a = systolic.alloc : !systolic.sram<weight, 8x4xcomplex<f32>>
%p = systolic.alloc : !systolic.sram<weight, 64x8xf32>
// CHECK: selective-invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.selective_discretize' op a must have f32 elements, got !systolic.sram<weight, 8x4xcomplex<f32>>
systolic.selective_discretize %d[0, 0], %a[0, 0] -> %p[0, 0] sizes [16, 8, 4] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 64x8xf32>

// -----

// The planes are dense: their buffer is as wide as the channels.
%d = systolic.alloc : !systolic.sram<input, 16x8xf32>
%a = systolic.alloc : !systolic.sram<weight, 8x4xf32>
%p = systolic.alloc : !systolic.sram<weight, 64x8xf32>
// CHECK: selective-invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.selective_discretize' op dst planes must be dense: its buffer rows hold 8 elements, not the 6 channels
systolic.selective_discretize %d[0, 0], %a[0, 0] -> %p[0, 0] sizes [16, 6, 4] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x4xf32>, !systolic.sram<weight, 64x8xf32>

// -----

// The planes of all the steps fit their buffer.
%d = systolic.alloc : !systolic.sram<input, 32x8xf32>
%a = systolic.alloc : !systolic.sram<weight, 8x4xf32>
%p = systolic.alloc : !systolic.sram<weight, 64x8xf32>
// CHECK: selective-invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.selective_discretize' op dst window at [0, 0] of size [128, 8] does not fit in 64x8 (!systolic.sram<weight, 64x8xf32>)
systolic.selective_discretize %d[0, 0], %a[0, 0] -> %p[0, 0] sizes [32, 8, 4] : !systolic.sram<input, 32x8xf32>, !systolic.sram<weight, 8x4xf32>, !systolic.sram<weight, 64x8xf32>

// -----

// A holds channels x modes.
%d = systolic.alloc : !systolic.sram<input, 16x8xf32>
%a = systolic.alloc : !systolic.sram<weight, 8x2xf32>
%p = systolic.alloc : !systolic.sram<weight, 64x8xf32>
// CHECK: selective-invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.selective_discretize' op a window at [0, 0] of size [8, 4] does not fit in 8x2 (!systolic.sram<weight, 8x2xf32>)
systolic.selective_discretize %d[0, 0], %a[0, 0] -> %p[0, 0] sizes [16, 8, 4] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x2xf32>, !systolic.sram<weight, 64x8xf32>

// -----

// The stream is ProDF.
%u = systolic.alloc : !systolic.sram<input, 16x8xf32>
%p = systolic.alloc : !systolic.sram<weight, 64x8xf32>
%bc = systolic.alloc : !systolic.sram<input, 16x8xf32>
%y = systolic.alloc : !systolic.sram<output, 16x8xf32>
systolic.configure <mac, ws> {
  // CHECK: selective-invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.selective_stream' op needs dataflow prodf, but the enclosing systolic.configure sets ws
  systolic.selective_stream %u[0, 0], %p[0, 0], %bc[0, 0] -> %y[0, 0] sizes [16, 8, 4] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 64x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
}

// -----

// u and y share one row stride.
%u = systolic.alloc : !systolic.sram<input, 16x8xf32>
%p = systolic.alloc : !systolic.sram<weight, 64x8xf32>
%bc = systolic.alloc : !systolic.sram<input, 16x8xf32>
%y = systolic.alloc : !systolic.sram<output, 16x16xf32>
systolic.configure <lima, prodf, seg 4> {
  // CHECK: selective-invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.selective_stream' op src and dst must share a row length (one stride), got 8 and 16
  systolic.selective_stream %u[0, 0], %p[0, 0], %bc[0, 0] -> %y[0, 0] sizes [16, 8, 4] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 64x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x16xf32>
}

// -----

// B and C sit side by side: 2 x modes columns.
%u = systolic.alloc : !systolic.sram<input, 16x8xf32>
%p = systolic.alloc : !systolic.sram<weight, 64x8xf32>
%bc = systolic.alloc : !systolic.sram<input, 16x4xf32>
%y = systolic.alloc : !systolic.sram<output, 16x8xf32>
systolic.configure <lima, prodf, seg 4> {
  // CHECK: selective-invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.selective_stream' op bc window at [0, 0] of size [16, 8] does not fit in 16x4 (!systolic.sram<input, 16x4xf32>)
  systolic.selective_stream %u[0, 0], %p[0, 0], %bc[0, 0] -> %y[0, 0] sizes [16, 8, 4] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 64x8xf32>, !systolic.sram<input, 16x4xf32>, !systolic.sram<output, 16x8xf32>
}

// -----

// The array holds G x C channels: 2 segments x 4 columns.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %u = systolic.alloc : !systolic.sram<input, 4x12xf32>
  %p = systolic.alloc : !systolic.sram<weight, 16x12xf32>
  %bc = systolic.alloc : !systolic.sram<input, 4x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 4x12xf32>
  systolic.configure <lima, prodf, seg 4> {
    // CHECK: selective-invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.selective_stream' op 12 channels exceed the 8 the array holds (2 segments of 4 rows x 4 columns)
    systolic.selective_stream %u[0, 0], %p[0, 0], %bc[0, 0] -> %y[0, 0] sizes [4, 12, 4] : !systolic.sram<input, 4x12xf32>, !systolic.sram<weight, 16x12xf32>, !systolic.sram<input, 4x8xf32>, !systolic.sram<output, 4x12xf32>
  }
}

// -----

// A column segment holds S modes.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %u = systolic.alloc : !systolic.sram<input, 4x8xf32>
  %p = systolic.alloc : !systolic.sram<weight, 24x8xf32>
  %bc = systolic.alloc : !systolic.sram<input, 4x12xf32>
  %y = systolic.alloc : !systolic.sram<output, 4x8xf32>
  systolic.configure <lima, prodf, seg 4> {
    // CHECK: selective-invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.selective_stream' op 6 modes exceed the 4-row column segment
    systolic.selective_stream %u[0, 0], %p[0, 0], %bc[0, 0] -> %y[0, 0] sizes [4, 8, 6] : !systolic.sram<input, 4x8xf32>, !systolic.sram<weight, 24x8xf32>, !systolic.sram<input, 4x12xf32>, !systolic.sram<output, 4x8xf32>
  }
}
