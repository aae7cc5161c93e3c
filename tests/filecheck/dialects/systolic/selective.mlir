// The selective scan's ops (Mamba): custom syntax round trips, generic form, steps.
// RUN: EPOCH_ROUNDTRIP
// RUN: epoch opt %s > %t
// RUN: epoch opt %t | diff %t -
// RUN: epoch opt %s --print-op-generic | epoch opt | diff %t -
// RUN: epoch opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
// CHECK-LABEL: builtin.module
builtin.module attributes {systolic.target = #t} {
  %delta = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %a = systolic.alloc : !systolic.sram<weight, 8x4xf32>
  %abar = systolic.alloc : !systolic.sram<weight, 64x8xf32>
  %bc = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  // CHECK: systolic.selective_discretize %delta[0, 0], %a[0, 0] -> %abar[0, 0] sizes [16, 8, 4] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x4xf32>, !systolic.sram<weight, 64x8xf32>
  // GENERIC: "systolic.selective_discretize"(%delta, %a, %abar) <{delta_offsets = array<i64: 0, 0>, a_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 16, 8, 4>
  systolic.selective_discretize %delta[0, 0], %a[0, 0] -> %abar[0, 0] sizes [16, 8, 4] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x4xf32>, !systolic.sram<weight, 64x8xf32>
  systolic.configure <lima, prodf, seg 4> {
    // CHECK: systolic.selective_stream %delta[0, 0], %abar[0, 0], %bc[0, 0] -> %y[0, 0] sizes [16, 8, 4] reset : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 64x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
    systolic.selective_stream %delta[0, 0], %abar[0, 0], %bc[0, 0] -> %y[0, 0] sizes [16, 8, 4] reset : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 64x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
    // Two steps of eight per iteration: every window moves.
    systolic.chunk_loop 2 {
      // CHECK: systolic.selective_discretize %delta[0, 0] step [8, 0], %a[0, 0] -> %abar[0, 0] step [32, 0] sizes [8, 8, 4]
      systolic.selective_discretize %delta[0, 0] step [8, 0], %a[0, 0] -> %abar[0, 0] step [32, 0] sizes [8, 8, 4] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x4xf32>, !systolic.sram<weight, 64x8xf32>
      // CHECK: systolic.selective_stream %delta[0, 0] step [8, 0], %abar[0, 0] step [32, 0], %bc[0, 0] step [8, 0] -> %y[0, 0] step [8, 0] sizes [8, 8, 4] accumulate
      systolic.selective_stream %delta[0, 0] step [8, 0], %abar[0, 0] step [32, 0], %bc[0, 0] step [8, 0] -> %y[0, 0] step [8, 0] sizes [8, 8, 4] accumulate : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 64x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
    }
    // The states in and out (modes x channels):
    // CHECK: systolic.selective_state load %state[0, 0] sizes [4, 8] : !systolic.sram<weight, 4x8xf32>
    // CHECK: systolic.selective_state store %state[0, 0] sizes [4, 8] : !systolic.sram<weight, 4x8xf32>
    // GENERIC: "systolic.selective_state"(%state) <{direction = "store", offsets = array<i64: 0, 0>, sizes = array<i64: 4, 8>, step = array<i64: 0, 0>}>
    %state = systolic.alloc : !systolic.sram<weight, 4x8xf32>
    systolic.selective_state load %state[0, 0] sizes [4, 8] : !systolic.sram<weight, 4x8xf32>
    systolic.selective_state store %state[0, 0] sizes [4, 8] : !systolic.sram<weight, 4x8xf32>
  }
}
