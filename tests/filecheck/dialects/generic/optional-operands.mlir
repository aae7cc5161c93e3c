// MLIR's generic-form rule (SPEC.md): an op with at most one optional operand needs no
// operandSegmentSizes (which operand is present follows from the count) and prints none; the
// property is still accepted when given, as today's files may carry it. An op with more than
// one optional operand (systolic.matmul_tile, nn.causal_conv1d) carries it and prints it.
// RUN: epoch opt %s --split-input-file --print-op-generic | filecheck %s
// RUN: epoch opt %s --split-input-file | filecheck %s --check-prefix=CUSTOM

// CHECK-LABEL: sym_name = "linear"
// CHECK: "nn.linear"(%x, %W) : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
// CHECK-NEXT: "nn.linear"(%x, %W, %b) : (tensor<8x32xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<8x16xf32>
// CHECK-NEXT: "nn.linear"(%x, %W) : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
// CHECK-NEXT: "nn.linear"(%x, %W, %b) : (tensor<8x32xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<8x16xf32>
// CUSTOM-LABEL: @linear
// CUSTOM-NEXT: nn.linear %x, %W : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
// CUSTOM-NEXT: nn.linear %x, %W, %b : (tensor<8x32xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<8x16xf32>
// CUSTOM-NEXT: nn.linear %x, %W : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
// CUSTOM-NEXT: nn.linear %x, %W, %b : (tensor<8x32xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<8x16xf32>
"func.func"() <{sym_name = "linear", function_type = (tensor<8x32xf32>, tensor<16x32xf32>, tensor<16xf32>) -> ()}> ({
^bb0(%x: tensor<8x32xf32>, %W: tensor<16x32xf32>, %b: tensor<16xf32>):
  %0 = "nn.linear"(%x, %W) : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
  %1 = "nn.linear"(%x, %W, %b) : (tensor<8x32xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  %2 = "nn.linear"(%x, %W) <{operandSegmentSizes = array<i32: 1, 1, 0>}> : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
  %3 = "nn.linear"(%x, %W, %b) <{operandSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<8x32xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  "func.return"() : () -> ()
}) : () -> ()

// -----

// nn.causal_conv1d has two optional operands since contract version 2 (the bias and the state
// c0), so it prints operandSegmentSizes. It may still be left out where the operands (and the
// state result) leave no doubt, and a three-entry array of an older file means no state.
// CHECK-LABEL: sym_name = "causal_conv1d"
// CHECK: "nn.causal_conv1d"(%x, %w) <{operandSegmentSizes = array<i32: 1, 1, 0, 0>}> : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x16xf32>
// CHECK-NEXT: "nn.causal_conv1d"(%x, %w, %b) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<8x16xf32>
// CHECK-NEXT: "nn.causal_conv1d"(%x, %w) <{operandSegmentSizes = array<i32: 1, 1, 0, 0>}> : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x16xf32>
// CHECK-NEXT: "nn.causal_conv1d"(%x, %w, %b) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<8x16xf32>
// CHECK-NEXT: "nn.causal_conv1d"(%x, %w, %c0) <{operandSegmentSizes = array<i32: 1, 1, 0, 1>}> : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<3x16xf32>) -> (tensor<8x16xf32>, tensor<3x16xf32>)
// CHECK-NEXT: "nn.causal_conv1d"(%x, %w, %b, %c0) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<3x16xf32>) -> (tensor<8x16xf32>, tensor<3x16xf32>)
// CUSTOM-LABEL: @causal_conv1d
// CUSTOM-NEXT: nn.causal_conv1d %x, %w : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x16xf32>
// CUSTOM-NEXT: nn.causal_conv1d %x, %w, %b : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<8x16xf32>
// CUSTOM-NEXT: nn.causal_conv1d %x, %w : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x16xf32>
// CUSTOM-NEXT: nn.causal_conv1d %x, %w, %b : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<8x16xf32>
// CUSTOM-NEXT: nn.causal_conv1d %x, %w state %c0 : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<3x16xf32>) -> tensor<8x16xf32>, tensor<3x16xf32>
// CUSTOM-NEXT: nn.causal_conv1d %x, %w, %b state %c0 : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<3x16xf32>) -> tensor<8x16xf32>, tensor<3x16xf32>
"func.func"() <{sym_name = "causal_conv1d", function_type = (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<3x16xf32>) -> ()}> ({
^bb0(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>, %b: tensor<16xf32>, %c0: tensor<3x16xf32>):
  %0 = "nn.causal_conv1d"(%x, %w) : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x16xf32>
  %1 = "nn.causal_conv1d"(%x, %w, %b) : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  %2 = "nn.causal_conv1d"(%x, %w) <{operandSegmentSizes = array<i32: 1, 1, 0>}> : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x16xf32>
  %3 = "nn.causal_conv1d"(%x, %w, %b) <{operandSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  %4:2 = "nn.causal_conv1d"(%x, %w, %c0) : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<3x16xf32>) -> (tensor<8x16xf32>, tensor<3x16xf32>)
  %5:2 = "nn.causal_conv1d"(%x, %w, %b, %c0) : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<3x16xf32>) -> (tensor<8x16xf32>, tensor<3x16xf32>)
  "func.return"() : () -> ()
}) : () -> ()

// -----

// ssm.selective_scan too has two optional operands since contract version 2 (z and the
// state x0): it prints operandSegmentSizes, and parses without it when the operands and
// results leave no doubt (seven operands: z, or x0 when the op also returns the state).
// CHECK-LABEL: sym_name = "selective_scan"
// CHECK: "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0>, delta_softplus = false}> : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
// CHECK-NEXT: "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D, %z) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0>, delta_softplus = true}> : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<16x4xf32>) -> tensor<16x4xf32>
// CHECK-NEXT: "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0>, delta_softplus = false}> : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
// CHECK-NEXT: "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D, %z) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0>, delta_softplus = true}> : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<16x4xf32>) -> tensor<16x4xf32>
// CHECK-NEXT: "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D, %x0) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 1>, delta_softplus = false}> : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<4x8xf32>) -> (tensor<16x4xf32>, tensor<4x8xf32>)
// CUSTOM-LABEL: @selective_scan
// CUSTOM-NEXT: ssm.selective_scan %u, %delta, %A, %B, %C, %D : (
// CUSTOM-NEXT: ssm.selective_scan %u, %delta, %A, %B, %C, %D, %z delta_softplus : (
// CUSTOM-NEXT: ssm.selective_scan %u, %delta, %A, %B, %C, %D : (
// CUSTOM-NEXT: ssm.selective_scan %u, %delta, %A, %B, %C, %D, %z delta_softplus : (
// CUSTOM-NEXT: ssm.selective_scan %u, %delta, %A, %B, %C, %D state %x0 : (
"func.func"() <{sym_name = "selective_scan", function_type = (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<16x4xf32>, tensor<4x8xf32>) -> ()}> ({
^bb0(%u: tensor<16x4xf32>, %delta: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %C: tensor<16x8xf32>, %D: tensor<4xf32>, %z: tensor<16x4xf32>, %x0: tensor<4x8xf32>):
  %0 = "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D) : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  %1 = "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D, %z) <{delta_softplus = true}> : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<16x4xf32>) -> tensor<16x4xf32>
  %2 = "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0>, delta_softplus = false}> : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  %3 = "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D, %z) <{delta_softplus = true, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1>}> : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<16x4xf32>) -> tensor<16x4xf32>
  %4:2 = "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D, %x0) : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<4x8xf32>) -> (tensor<16x4xf32>, tensor<4x8xf32>)
  "func.return"() : () -> ()
}) : () -> ()

// -----

// systolic.vector: b is its one optional operand.
// CHECK-LABEL: sym_name = "vector"
// CHECK: "systolic.vector"(%x, %x) <{function = "relu", {{.*}}}> : (!systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>) -> ()
// CHECK-NEXT: "systolic.vector"(%x, %row, %x) <{function = "add", {{.*}}}> : (!systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16xf32>, !systolic.sram<input, 64x16xf32>) -> ()
// CHECK-NEXT: "systolic.vector"(%x, %x) <{function = "relu", {{.*}}}> : (!systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>) -> ()
// CHECK-NOT: operandSegmentSizes
// CHECK: "func.return"
// CUSTOM-LABEL: @vector
// CUSTOM-NEXT: systolic.vector relu %x[0, 0] -> %x[0, 0] sizes [64, 16]
// CUSTOM-NEXT: systolic.vector add %x[0, 0], %row[0, 0] bcast row -> %x[0, 0] sizes [64, 16]
// CUSTOM-NEXT: systolic.vector relu %x[0, 0] -> %x[0, 0] sizes [64, 16]
func.func @vector(%x: !systolic.sram<input, 64x16xf32>, %row: !systolic.sram<weight, 16xf32>) {
  "systolic.vector"(%x, %x) <{function = "relu", a_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 16>}> : (!systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>) -> ()
  "systolic.vector"(%x, %row, %x) <{function = "add", a_offsets = array<i64: 0, 0>, b_offsets = array<i64: 0, 0>, b_broadcast = "row", dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 16>}> : (!systolic.sram<input, 64x16xf32>, !systolic.sram<weight, 16xf32>, !systolic.sram<input, 64x16xf32>) -> ()
  "systolic.vector"(%x, %x) <{operandSegmentSizes = array<i32: 1, 0, 1>, function = "relu", a_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 16>}> : (!systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>) -> ()
  func.return
}

// -----

// systolic.matmul_tile has two optional operands (a, b): the generic form carries the sizes.
// CHECK-LABEL: sym_name = "matmul_tile"
// CHECK: "systolic.matmul_tile"(%u, %y) <{operandSegmentSizes = array<i32: 1, 0, 1>, {{.*}}}>
// CHECK: "systolic.matmul_tile"(%w, %y) <{operandSegmentSizes = array<i32: 0, 1, 1>, {{.*}}}>
// CUSTOM-LABEL: @matmul_tile
// CUSTOM: systolic.matmul_tile a %u[0, 0] slot 0 -> %y[0, 0] m 4 n 4 k 8
// CUSTOM: systolic.matmul_tile b %w[0, 0] slot 0 -> %y[0, 0] m 4 n 4 k 8
func.func @matmul_tile(%u: !systolic.sram<input, 16x8xf32>, %w: !systolic.sram<weight, 8x8xf32>, %y: !systolic.sram<output, 16x8xf32>) {
  systolic.configure <mac, ws> {
    "systolic.matmul_tile"(%u, %y) <{operandSegmentSizes = array<i32: 1, 0, 1>, a_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, m = 4 : i64, n = 4 : i64, k = 8 : i64, slot = 0 : i64}> : (!systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>) -> ()
  }
  systolic.configure <mac, is> {
    "systolic.matmul_tile"(%w, %y) <{operandSegmentSizes = array<i32: 0, 1, 1>, b_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, m = 4 : i64, n = 4 : i64, k = 8 : i64, slot = 0 : i64}> : (!systolic.sram<weight, 8x8xf32>, !systolic.sram<output, 16x8xf32>) -> ()
  }
  func.return
}
