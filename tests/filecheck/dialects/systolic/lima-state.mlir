// systolic.lima_state: a ProDF fold's LIMA-PE states (complex, channels x modes) into the PEs
// (load, before a stream without reset) and out of them (store, after its last step).
// RUN: EPOCH_ROUNDTRIP
// RUN: epoch opt %s > %t
// RUN: epoch opt %t | diff %t -
// RUN: epoch opt %s --print-op-generic | epoch opt | diff %t -
// RUN: epoch opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
// CHECK-LABEL: builtin.module
builtin.module attributes {systolic.target = #t} {
  %s = systolic.alloc : !systolic.sram<input, 8x4xcomplex<f32>>
  systolic.configure <lima, prodf, seg 4> {
    // CHECK: systolic.lima_state load %s[0, 0] sizes [8, 4] slot 0 : !systolic.sram<input, 8x4xcomplex<f32>>
    // CHECK: systolic.lima_state store %s[2, 0] sizes [6, 4] slot 1 : !systolic.sram<input, 8x4xcomplex<f32>>
    // GENERIC: "systolic.lima_state"(%s) <{direction = "load", offsets = array<i64: 0, 0>, sizes = array<i64: 8, 4>, slot = 0 : i64, step = array<i64: 0, 0>}>
    systolic.lima_state load %s[0, 0] sizes [8, 4] slot 0 : !systolic.sram<input, 8x4xcomplex<f32>>
    systolic.lima_state store %s[2, 0] sizes [6, 4] slot 1 : !systolic.sram<input, 8x4xcomplex<f32>>
  }
}
