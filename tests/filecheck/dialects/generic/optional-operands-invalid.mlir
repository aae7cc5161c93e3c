// A given operandSegmentSizes must agree with the operands; an op with two optional operands
// cannot do without it. Each error names the op's position.
// RUN: epoch opt %s --split-input-file --parsing-diagnostics --verify-diagnostics | filecheck %s

func.func @linear_sizes_exceed_operands(%x: tensor<8x32xf32>, %W: tensor<16x32xf32>) {
  // CHECK: 7:8: error: operandSegmentSizes of nn.linear adds up to 3 operands, but 2 are given
  %y = "nn.linear"(%x, %W) <{operandSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @linear_sizes_too_short(%x: tensor<8x32xf32>, %W: tensor<16x32xf32>) {
  // CHECK: operandSegmentSizes of nn.linear has 2 entries, expected 3
  %y = "nn.linear"(%x, %W) <{operandSegmentSizes = array<i32: 1, 1>}> : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @conv_sizes_not_i32(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>) {
  // CHECK: operandSegmentSizes of nn.causal_conv1d must be an array<i32: ...>
  %y = "nn.causal_conv1d"(%x, %w) <{operandSegmentSizes = array<i64: 1, 1, 0>}> : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @selective_scan_required_operand_absent(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: operandSegmentSizes of ssm.selective_scan gives operand 'D' 0 values, expected 1
  %y = "ssm.selective_scan"(%u, %u, %A, %B, %B, %D) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 1>}> : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @vector_optional_operand_twice(%x: !systolic.sram<input, 64x16xf32>) {
  // CHECK: operandSegmentSizes of systolic.vector gives operand 'b' 2 values, expected 0 or 1
  "systolic.vector"(%x, %x) <{operandSegmentSizes = array<i32: 1, 2, 1>, function = "relu", a_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 16>}> : (!systolic.sram<input, 64x16xf32>, !systolic.sram<input, 64x16xf32>) -> ()
  func.return
}

// -----

func.func @matmul_tile_needs_sizes(%u: !systolic.sram<input, 16x8xf32>, %y: !systolic.sram<output, 16x8xf32>) {
  systolic.configure <mac, ws> {
    // CHECK: 'systolic.matmul_tile' op Expected operandSegmentSizes property in systolic.matmul_tile operation.
    "systolic.matmul_tile"(%u, %y) <{a_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, m = 4 : i64, n = 4 : i64, k = 8 : i64, slot = 0 : i64}> : (!systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>) -> ()
  }
  func.return
}

// -----

func.func @conv_state_ambiguous(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>, %b: tensor<16xf32>) {
  // CHECK: operandSegmentSizes of nn.causal_conv1d adds up to 4 operands, but 3 are given
  %y = "nn.causal_conv1d"(%x, %w, %b) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  func.return
}
