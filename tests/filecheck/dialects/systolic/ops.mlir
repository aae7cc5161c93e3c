// Every systolic op, type and attribute in its custom syntax, each optional part present and
// absent (the full worked examples of docs/systolic.md are in examples.mlir).
// RUN: EPOCH_ROUNDTRIP
// Custom -> custom and custom -> generic -> custom must print identical text:
// RUN: epoch opt %s --split-input-file > %t
// RUN: epoch opt %t --split-input-file | diff %t -
// RUN: epoch opt %s --split-input-file --print-op-generic | epoch opt --split-input-file | diff %t -
// RUN: epoch opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC

// Types and attributes: 1-D and 2-D, real and complex, quoted bank names, configs with and
// without segments, a target from a machine preset.
// CHECK-LABEL: func.func private @types(
// CHECK-SAME: !systolic.dram<1024x32xf32>, !systolic.dram<16xf32>, !systolic.dram<16x4xcomplex<f32>>, !systolic.sram<input, 64x16xf32>, !systolic.sram<"acc-bank", 8xcomplex<f32>>) -> () attributes {prodf = #systolic.array<lima, prodf, seg 4>, whole_column = #systolic.array<lima, prodf>, ws = #systolic.array<mac, ws>, os = #systolic.array<mac, os>, is = #systolic.array<mac, is>, epochcore = #systolic.target<"epochcore", 128x128, lima, loop_depth 4, banks [input 2097152, weight 1048576, output 2097152]>, odd = #systolic.target<"my machine", 4x2, mac, loop_depth 1, banks ["bank 0" 64]>}
// GENERIC-LABEL: "func.func"() <{sym_name = "types"
func.func private @types(!systolic.dram<1024x32xf32>, !systolic.dram<16xf32>, !systolic.dram<16x4xcomplex<f32>>, !systolic.sram<input, 64x16xf32>, !systolic.sram<"acc-bank", 8xcomplex<f32>>) -> () attributes {prodf = #systolic.array<lima, prodf, seg 4>, whole_column = #systolic.array<lima, prodf>, ws = #systolic.array<mac, ws>, os = #systolic.array<mac, os>, is = #systolic.array<mac, is>, epochcore = #systolic.target<"epochcore", 128x128, lima, loop_depth 4, banks [input 2097152, weight 1048576, output 2097152]>, odd = #systolic.target<"my machine", 4x2, mac, loop_depth 1, banks ["bank 0" 64]>}

// -----

// Every op, each optional part present and absent. Without a target, only the
// machine-independent rules apply.
// CHECK-LABEL: func.func @buffers(
// CHECK-SAME: %x: !systolic.dram<64x16xf32>) -> !systolic.dram<64x16xf32> {
// GENERIC-LABEL: "func.func"() <{sym_name = "buffers"
func.func @buffers(%x: !systolic.dram<64x16xf32>) -> !systolic.dram<64x16xf32> {
  // CHECK-NEXT: %y = systolic.alloc_dram : !systolic.dram<64x16xf32>
  %y = systolic.alloc_dram : !systolic.dram<64x16xf32>
  // CHECK-NEXT: %w = systolic.constant dense<[[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
  // GENERIC: %w = "systolic.constant"() <{value = dense<[[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>}> : () -> !systolic.dram<2x2xf32>
  %w = systolic.constant dense<[[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
  // CHECK-NEXT: %zero = systolic.constant dense<0.000000e+00> : tensor<16xf32> {note = "D of later mode folds"}
  %zero = systolic.constant dense<0.000000e+00> : tensor<16xf32> {note = "D of later mode folds"}
  // CHECK-NEXT: %poles = systolic.constant dense<[(1.000000e+00,-5.000000e-01), (2.500000e-01,0.000000e+00)]> : tensor<2xcomplex<f32>>
  %poles = systolic.constant dense<[(1.000000e+00,-5.000000e-01), (2.500000e-01,0.000000e+00)]> : tensor<2xcomplex<f32>>
  // CHECK-NEXT: %xb = systolic.alloc : !systolic.sram<input, 64x16xf32>
  %xb = systolic.alloc : !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: %placed = systolic.alloc at 4096 {note = "placed"} : !systolic.sram<output, 64x16xf32>
  // GENERIC: %placed = "systolic.alloc"() <{address = 4096 : i64}> {note = "placed"} : () -> !systolic.sram<output, 64x16xf32>
  %placed = systolic.alloc at 4096 {note = "placed"} : !systolic.sram<output, 64x16xf32>
  // CHECK-NEXT: %abar, %bbar, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 16x4xcomplex<f32>>, !systolic.sram<weight, 16xf32>
  %abar, %bbar, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 16x4xcomplex<f32>>, !systolic.sram<weight, 16xf32>
  // CHECK-NEXT: %abar2, %bbar2, %c2, %d2 = systolic.alloc_coefficients at 200 : !systolic.sram<weight, 4x4xcomplex<f32>>, !systolic.sram<weight, 4xf32>
  // GENERIC: %abar2, %bbar2, %c2, %d2 = "systolic.alloc_coefficients"() <{address = 200 : i64}> : () -> (!systolic.sram<weight, 4x4xcomplex<f32>>, !systolic.sram<weight, 4x4xcomplex<f32>>, !systolic.sram<weight, 4x4xcomplex<f32>>, !systolic.sram<weight, 4xf32>)
  %abar2, %bbar2, %c2, %d2 = systolic.alloc_coefficients at 200 : !systolic.sram<weight, 4x4xcomplex<f32>>, !systolic.sram<weight, 4xf32>
  // CHECK-NEXT: systolic.load %x[0, 0] -> %xb[0, 0] sizes [64, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.load %x[0, 0] -> %xb[0, 0] sizes [64, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.load %zero[0, 4] -> %d[0, 0] sizes [1, 12] {note = "1-D: one row"} : !systolic.dram<16xf32>, !systolic.sram<weight, 16xf32>
  systolic.load %zero[0, 4] -> %d[0, 0] sizes [1, 12] {note = "1-D: one row"} : !systolic.dram<16xf32>, !systolic.sram<weight, 16xf32>
  // CHECK-NEXT: systolic.chunk_loop 4 {
  systolic.chunk_loop 4 {
    // CHECK-NEXT: systolic.load %x[0, 0] step [16, 0] -> %xb[48, 0] step [-16, 0] sizes [16, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 64x16xf32>
    // GENERIC: "systolic.load"(%x, %xb) <{src_offsets = array<i64: 0, 0>, src_step = array<i64: 16, 0>, dst_offsets = array<i64: 48, 0>, dst_step = array<i64: -16, 0>, sizes = array<i64: 16, 16>}> : (!systolic.dram<64x16xf32>, !systolic.sram<input, 64x16xf32>) -> ()
    systolic.load %x[0, 0] step [16, 0] -> %xb[48, 0] step [-16, 0] sizes [16, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 64x16xf32>
    // CHECK-NEXT: systolic.store %xb[0, 0] step [16, 0] -> %y[0, 0] step [16, 0] sizes [16, 16] : !systolic.sram<input, 64x16xf32>, !systolic.dram<64x16xf32>
    systolic.store %xb[0, 0] step [16, 0] -> %y[0, 0] step [16, 0] sizes [16, 16] : !systolic.sram<input, 64x16xf32>, !systolic.dram<64x16xf32>
  // CHECK-NEXT: }
  }
  // CHECK-NEXT: systolic.chunk_loop 2 estimated_cycles 1234 {
  // GENERIC: "systolic.chunk_loop"() <{count = 2 : i64, estimated_cycles = 1234 : i64}> ({
  systolic.chunk_loop 2 estimated_cycles 1234 {
    // CHECK-NEXT: systolic.chunk_loop 1 attributes {note = "nested"} {
    systolic.chunk_loop 1 attributes {note = "nested"} {
    // CHECK-NEXT: }
    }
  // CHECK-NEXT: }
  }
  // CHECK-NEXT: systolic.store %placed[0, 0] -> %y[0, 0] sizes [64, 16] : !systolic.sram<output, 64x16xf32>, !systolic.dram<64x16xf32>
  systolic.store %placed[0, 0] -> %y[0, 0] sizes [64, 16] : !systolic.sram<output, 64x16xf32>, !systolic.dram<64x16xf32>
  // CHECK-NEXT: func.return %y : !systolic.dram<64x16xf32>
  func.return %y : !systolic.dram<64x16xf32>
// CHECK-NEXT: }
}


// CHECK-LABEL: func.func @array_ops(
// CHECK-SAME: %u: !systolic.sram<input, 64x16xf32>, %y: !systolic.sram<output, 64x16xf32>, %w: !systolic.sram<weight, 16x16xf32>) {
// GENERIC-LABEL: "func.func"() <{sym_name = "array_ops"
func.func @array_ops(%u: !systolic.sram<input, 64x16xf32>, %y: !systolic.sram<output, 64x16xf32>, %w: !systolic.sram<weight, 16x16xf32>) {
  // CHECK-NEXT: %abar, %bbar, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 16x4xcomplex<f32>>, !systolic.sram<weight, 16xf32>
  %abar, %bbar, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 16x4xcomplex<f32>>, !systolic.sram<weight, 16xf32>
  // CHECK-NEXT: systolic.configure <lima, prodf, seg 4> {
  // GENERIC: "systolic.configure"() <{config = #systolic.array<lima, prodf, seg 4>}> ({
  systolic.configure <lima, prodf, seg 4> {
    // CHECK-NEXT: systolic.preload_coefficients %abar, %bbar, %c, %d -> slot 1 : !systolic.sram<weight, 16x4xcomplex<f32>>, !systolic.sram<weight, 16xf32>
    // GENERIC: "systolic.preload_coefficients"(%abar, %bbar, %c, %d) <{slot = 1 : i64}> : (!systolic.sram<weight, 16x4xcomplex<f32>>, !systolic.sram<weight, 16x4xcomplex<f32>>, !systolic.sram<weight, 16x4xcomplex<f32>>, !systolic.sram<weight, 16xf32>) -> ()
    systolic.preload_coefficients %abar, %bbar, %c, %d -> slot 1 : !systolic.sram<weight, 16x4xcomplex<f32>>, !systolic.sram<weight, 16xf32>
    // CHECK-NEXT: systolic.stream %u[0, 0] -> %y[0, 0] sizes [16, 16] slot 1 reset : !systolic.sram<input, 64x16xf32>, !systolic.sram<output, 64x16xf32>
    systolic.stream %u[0, 0] -> %y[0, 0] sizes [16, 16] slot 1 reset : !systolic.sram<input, 64x16xf32>, !systolic.sram<output, 64x16xf32>
    // CHECK-NEXT: systolic.chunk_loop 3 {
    systolic.chunk_loop 3 {
      // CHECK-NEXT: systolic.stream %u[16, 0] step [16, 0] -> %y[16, 0] step [16, 0] sizes [16, 16] slot 1 accumulate {note = "modes 4..7"} : !systolic.sram<input, 64x16xf32>, !systolic.sram<output, 64x16xf32>
      systolic.stream %u[16, 0] step [16, 0] -> %y[16, 0] step [16, 0] sizes [16, 16] slot 1 accumulate {note = "modes 4..7"} : !systolic.sram<input, 64x16xf32>, !systolic.sram<output, 64x16xf32>
    // CHECK-NEXT: }
    }
    // CHECK-NEXT: systolic.stream %u[0, 0] -> %y[0, 0] sizes [64, 16] slot 1 reset accumulate : !systolic.sram<input, 64x16xf32>, !systolic.sram<output, 64x16xf32>
    // GENERIC: "systolic.stream"(%u, %y) <{src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 16>, slot = 1 : i64, reset, accumulate, src_step = array<i64: 0, 0>, dst_step = array<i64: 0, 0>}> : (!systolic.sram<input, 64x16xf32>, !systolic.sram<output, 64x16xf32>) -> ()
    systolic.stream %u[0, 0] -> %y[0, 0] sizes [64, 16] slot 1 reset accumulate : !systolic.sram<input, 64x16xf32>, !systolic.sram<output, 64x16xf32>
  // CHECK-NEXT: }
  }
  // CHECK-NEXT: systolic.configure <mac, ws> attributes {note = "weight-stationary"} {
  systolic.configure <mac, ws> attributes {note = "weight-stationary"} {
    // CHECK-NEXT: systolic.preload_tile %w[0, 0] sizes [4, 8] transpose -> slot 0 : !systolic.sram<weight, 16x16xf32>
    // GENERIC: "systolic.preload_tile"(%w) <{offsets = array<i64: 0, 0>, sizes = array<i64: 4, 8>, transpose, slot = 0 : i64, step = array<i64: 0, 0>}> : (!systolic.sram<weight, 16x16xf32>) -> ()
    systolic.preload_tile %w[0, 0] sizes [4, 8] transpose -> slot 0 : !systolic.sram<weight, 16x16xf32>
    // CHECK-NEXT: systolic.matmul_tile a %u[0, 0] slot 0 -> %y[0, 0] m 64 n 4 k 8 : !systolic.sram<input, 64x16xf32>, !systolic.sram<output, 64x16xf32>
    systolic.matmul_tile a %u[0, 0] slot 0 -> %y[0, 0] m 64 n 4 k 8 : !systolic.sram<input, 64x16xf32>, !systolic.sram<output, 64x16xf32>
    // CHECK-NEXT: systolic.preload_tile %w[0, 8] sizes [8, 4] -> slot 1 {note = "already k x n"} : !systolic.sram<weight, 16x16xf32>
    systolic.preload_tile %w[0, 8] sizes [8, 4] -> slot 1 {note = "already k x n"} : !systolic.sram<weight, 16x16xf32>
    // CHECK-NEXT: systolic.matmul_tile a %u[0, 8] slot 1 -> %y[0, 0] m 64 n 4 k 8 accumulate : !systolic.sram<input, 64x16xf32>, !systolic.sram<output, 64x16xf32>
    systolic.matmul_tile a %u[0, 8] slot 1 -> %y[0, 0] m 64 n 4 k 8 accumulate : !systolic.sram<input, 64x16xf32>, !systolic.sram<output, 64x16xf32>
  // CHECK-NEXT: }
  }
  // CHECK-NEXT: systolic.configure <mac, is> {
  systolic.configure <mac, is> {
    // CHECK-NEXT: systolic.chunk_loop 2 {
    systolic.chunk_loop 2 {
      // CHECK-NEXT: systolic.preload_tile %u[0, 0] step [8, 0] sizes [8, 16] transpose -> slot 0 : !systolic.sram<input, 64x16xf32>
      systolic.preload_tile %u[0, 0] step [8, 0] sizes [8, 16] transpose -> slot 0 : !systolic.sram<input, 64x16xf32>
      // CHECK-NEXT: systolic.matmul_tile b %w[0, 0] slot 0 -> %y[0, 0] step [0, 8] m 8 n 16 k 16 transpose_out : !systolic.sram<weight, 16x16xf32>, !systolic.sram<output, 64x16xf32>
      // GENERIC: "systolic.matmul_tile"(%w, %y) <{a_step = array<i64: 0, 0>, b_step = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, dst_step = array<i64: 0, 8>, m = 8 : i64, n = 16 : i64, k = 16 : i64, b_offsets = array<i64: 0, 0>, slot = 0 : i64, transpose_out, operandSegmentSizes = array<i32: 0, 1, 1>}> : (!systolic.sram<weight, 16x16xf32>, !systolic.sram<output, 64x16xf32>) -> ()
      systolic.matmul_tile b %w[0, 0] slot 0 -> %y[0, 0] step [0, 8] m 8 n 16 k 16 transpose_out : !systolic.sram<weight, 16x16xf32>, !systolic.sram<output, 64x16xf32>
    // CHECK-NEXT: }
    }
  // CHECK-NEXT: }
  }
  // CHECK-NEXT: systolic.configure <mac, os> {
  systolic.configure <mac, os> {
    // CHECK-NEXT: systolic.matmul_tile a %u[0, 0] b %w[0, 0] -> %y[0, 0] m 8 n 8 k 16 : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16x16xf32>, !systolic.sram<output, 64x16xf32>
    systolic.matmul_tile a %u[0, 0] b %w[0, 0] -> %y[0, 0] m 8 n 8 k 16 : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16x16xf32>, !systolic.sram<output, 64x16xf32>
    // CHECK-NEXT: systolic.matmul_tile a %u[8, 0] b %w[8, 0] -> %y[0, 8] m 8 n 8 k 16 accumulate transpose_out {note = "y^T"} : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16x16xf32>, !systolic.sram<output, 64x16xf32>
    // GENERIC: "systolic.matmul_tile"(%u, %w, %y) <{a_step = array<i64: 0, 0>, b_step = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, dst_step = array<i64: 0, 0>, m = 8 : i64, n = 8 : i64, k = 16 : i64, a_offsets = array<i64: 0, 0>, b_offsets = array<i64: 0, 0>, operandSegmentSizes = array<i32: 1, 1, 1>}> : (!systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16x16xf32>, !systolic.sram<output, 64x16xf32>) -> ()
    systolic.matmul_tile a %u[8, 0] b %w[8, 0] -> %y[0, 8] m 8 n 8 k 16 accumulate transpose_out {note = "y^T"} : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16x16xf32>, !systolic.sram<output, 64x16xf32>
  // CHECK-NEXT: }
  }
  // CHECK-NEXT: func.return
  func.return
// CHECK-NEXT: }
}


// CHECK-LABEL: func.func @vector_ops(
// CHECK-SAME: %x: !systolic.sram<input, 64x16xf32>, %row: !systolic.sram<weight, 16xf32>, %col: !systolic.sram<weight, 64x1xf32>, %s: !systolic.sram<weight, 1x1xf32>, %z: !systolic.sram<input, 64x8xcomplex<f32>>) {
// GENERIC-LABEL: "func.func"() <{sym_name = "vector_ops"
func.func @vector_ops(%x: !systolic.sram<input, 64x16xf32>, %row: !systolic.sram<weight, 16xf32>, %col: !systolic.sram<weight, 64x1xf32>, %s: !systolic.sram<weight, 1x1xf32>, %z: !systolic.sram<input, 64x8xcomplex<f32>>) {
  // CHECK-NEXT: systolic.vector add %x[0, 0], %row[0, 0] bcast row -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector add %x[0, 0], %row[0, 0] bcast row -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector sub %x[0, 0], %col[0, 0] bcast col -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 64x1xf32>, !systolic.sram<input, 64x16xf32>
  // GENERIC: "systolic.vector"(%x, %col, %x) <{function = "sub", a_offsets = array<i64: 0, 0>, b_offsets = array<i64: 0, 0>, b_broadcast = "col", dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 16>, a_step = array<i64: 0, 0>, a_broadcast = "none", b_step = array<i64: 0, 0>, dst_step = array<i64: 0, 0>}> : (!systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 64x1xf32>, !systolic.sram<input, 64x16xf32>) -> ()
  systolic.vector sub %x[0, 0], %col[0, 0] bcast col -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 64x1xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector mul %s[0, 0] bcast scalar, %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<weight, 1x1xf32>, !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector mul %s[0, 0] bcast scalar, %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<weight, 1x1xf32>, !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector div %x[0, 0], %x[0, 0] -> %x[0, 0] sizes [64, 16] {note = "x / x"} : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector div %x[0, 0], %x[0, 0] -> %x[0, 0] sizes [64, 16] {note = "x / x"} : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector cmul %z[0, 0], %z[0, 0] -> %z[0, 0] sizes [64, 8] : !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>
  systolic.vector cmul %z[0, 0], %z[0, 0] -> %z[0, 0] sizes [64, 8] : !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>
  // CHECK-NEXT: systolic.vector cdiv %z[0, 0], %z[0, 0] bcast row -> %z[0, 0] sizes [64, 8] : !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>
  systolic.vector cdiv %z[0, 0], %z[0, 0] bcast row -> %z[0, 0] sizes [64, 8] : !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>
  // CHECK-NEXT: systolic.vector exp %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector exp %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector gelu %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector gelu %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector gelut %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector gelut %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector silu %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector silu %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector sigmoid %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector sigmoid %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector softplus %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector softplus %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector relu %row[0, 0] bcast row -> %x[0, 0] sizes [64, 16] : !systolic.sram<weight, 16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector relu %row[0, 0] bcast row -> %x[0, 0] sizes [64, 16] : !systolic.sram<weight, 16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector copy %z[0, 0] -> %z[32, 0] sizes [32, 8] : !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>
  systolic.vector copy %z[0, 0] -> %z[32, 0] sizes [32, 8] : !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>
  // CHECK-NEXT: systolic.vector copy %z[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x16xf32>
  systolic.vector copy %z[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector copy %x[0, 0] -> %z[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x8xcomplex<f32>>
  systolic.vector copy %x[0, 0] -> %z[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x8xcomplex<f32>>
  // CHECK-NEXT: systolic.vector rev %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector rev %x[0, 0] -> %x[0, 0] sizes [64, 16] : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector cexp %z[0, 0] -> %z[0, 0] sizes [64, 8] : !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>
  systolic.vector cexp %z[0, 0] -> %z[0, 0] sizes [64, 8] : !systolic.sram<input, 64x8xcomplex<f32>>, !systolic.sram<input, 64x8xcomplex<f32>>
  // CHECK-NEXT: systolic.vector addi %x[0, 0] -> %x[0, 0] sizes [64, 16] imm 1.000000e+00 : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector addi %x[0, 0] -> %x[0, 0] sizes [64, 16] imm 1.000000e+00 : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector muli %x[0, 0] -> %x[0, 0] sizes [64, 16] imm -5.000000e-01 : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  systolic.vector muli %x[0, 0] -> %x[0, 0] sizes [64, 16] imm -5.000000e-01 : !systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>
  // CHECK-NEXT: systolic.vector rsqrt %col[0, 0] -> %col[0, 0] sizes [64, 1] imm 1.000000e-05 : !systolic.sram<weight, 64x1xf32>, !systolic.sram<weight, 64x1xf32>
  systolic.vector rsqrt %col[0, 0] -> %col[0, 0] sizes [64, 1] imm 1.000000e-05 : !systolic.sram<weight, 64x1xf32>, !systolic.sram<weight, 64x1xf32>
  // CHECK-NEXT: systolic.vector rsum %x[0, 0] -> %col[0, 0] sizes [64, 16] imm 6.250000e-02 : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 64x1xf32>
  systolic.vector rsum %x[0, 0] -> %col[0, 0] sizes [64, 16] imm 6.250000e-02 : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 64x1xf32>
  // CHECK-NEXT: systolic.vector csum %x[0, 0] -> %row[0, 0] sizes [64, 16] imm 1.562500e-02 accumulate : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16xf32>
  // GENERIC: "systolic.vector"(%x, %row) <{function = "csum", a_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 16>, imm = 1.562500e-02 : f32, accumulate, a_step = array<i64: 0, 0>, a_broadcast = "none", b_step = array<i64: 0, 0>, b_broadcast = "none", dst_step = array<i64: 0, 0>}> : (!systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16xf32>) -> ()
  systolic.vector csum %x[0, 0] -> %row[0, 0] sizes [64, 16] imm 1.562500e-02 accumulate : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16xf32>
  // CHECK-NEXT: systolic.chunk_loop 4 {
  systolic.chunk_loop 4 {
    // CHECK-NEXT: systolic.vector csum %x[0, 0] step [16, 0] -> %row[0, 0] sizes [16, 16] imm 1.562500e-02 accumulate : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16xf32>
    systolic.vector csum %x[0, 0] step [16, 0] -> %row[0, 0] sizes [16, 16] imm 1.562500e-02 accumulate : !systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16xf32>
  // CHECK-NEXT: }
  }
  // CHECK-NEXT: func.return
  func.return
// CHECK-NEXT: }
}
