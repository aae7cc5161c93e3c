// Every nn op in its custom syntax, with every optional part present and absent.
// RUN: EPOCH_ROUNDTRIP
// Custom -> custom and custom -> generic -> custom must print identical text:
// RUN: epoch opt %s --split-input-file > %t
// RUN: epoch opt %t --split-input-file | diff %t -
// RUN: epoch opt %s --split-input-file --print-op-generic | epoch opt --split-input-file | diff %t -
// RUN: epoch opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @linear
func.func @linear(%x: tensor<8x32xf32>, %W: tensor<16x32xf32>, %b: tensor<16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
  // CHECK-NEXT: %y = nn.linear %x, %W, %b : (tensor<8x32xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  // GENERIC: %y = "nn.linear"(%x, %W, %b) : (tensor<8x32xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  %y = nn.linear %x, %W, %b : (tensor<8x32xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  // CHECK-NEXT: %no_bias = nn.linear %x, %W : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
  // GENERIC: %no_bias = "nn.linear"(%x, %W) : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
  %no_bias = nn.linear %x, %W : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
  func.return %y, %no_bias : tensor<8x16xf32>, tensor<8x16xf32>
}

// The default approximation is elided, whether written or not.
// CHECK-LABEL: func.func @activations
func.func @activations(%x: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>) {
  // CHECK-NEXT: %erf = nn.gelu %x : tensor<8x16xf32>
  // GENERIC: %erf = "nn.gelu"(%x) <{approximate = "none"}> : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %erf = nn.gelu %x : tensor<8x16xf32>
  // CHECK-NEXT: %also_erf = nn.gelu %x : tensor<8x16xf32>
  %also_erf = nn.gelu %x approximate none : tensor<8x16xf32>
  // CHECK-NEXT: %tanh = nn.gelu %x approximate tanh : tensor<8x16xf32>
  // GENERIC: %tanh = "nn.gelu"(%x) <{approximate = "tanh"}> : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %tanh = nn.gelu %x approximate tanh : tensor<8x16xf32>
  // CHECK-NEXT: %silu = nn.silu %x : tensor<8x16xf32>
  // GENERIC: %silu = "nn.silu"(%x) : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %silu = nn.silu %x : tensor<8x16xf32>
  // CHECK-NEXT: %sigmoid = nn.sigmoid %x : tensor<8x16xf32>
  %sigmoid = nn.sigmoid %x : tensor<8x16xf32>
  // CHECK-NEXT: %softplus = nn.softplus %x : tensor<8x16xf32>
  %softplus = nn.softplus %x : tensor<8x16xf32>
  // CHECK-NEXT: %relu = nn.relu %x {tag = 1 : i64} : tensor<8x16xf32>
  %relu = nn.relu %x {tag = 1 : i64} : tensor<8x16xf32>
  func.return %erf, %also_erf, %tanh, %silu, %sigmoid, %softplus, %relu : tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>
}

// Elementwise ops take any rank.
// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<8x16xf32>, %b: tensor<8x16xf32>, %v: tensor<5xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>, tensor<5xf32>) {
  // CHECK-NEXT: %sum = nn.add %a, %b : tensor<8x16xf32>
  // GENERIC: %sum = "nn.add"(%a, %b) : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %sum = nn.add %a, %b : tensor<8x16xf32>
  // CHECK-NEXT: %product = nn.mul %a, %b : tensor<8x16xf32>
  %product = nn.mul %a, %b : tensor<8x16xf32>
  // CHECK-NEXT: %vector = nn.mul %v, %v : tensor<5xf32>
  %vector = nn.mul %v, %v : tensor<5xf32>
  func.return %sum, %product, %vector : tensor<8x16xf32>, tensor<8x16xf32>, tensor<5xf32>
}

// CHECK-LABEL: func.func @layer_norm
func.func @layer_norm(%x: tensor<8x16xf32>, %gamma: tensor<16xf32>, %beta: tensor<16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
  // CHECK-NEXT: %default_eps = nn.layer_norm %x, %gamma, %beta : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  // GENERIC: %default_eps = "nn.layer_norm"(%x, %gamma, %beta) <{eps = 1.000000e-05 : f32}> : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  %default_eps = nn.layer_norm %x, %gamma, %beta : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  // CHECK-NEXT: %small_eps = nn.layer_norm %x, %gamma, %beta eps 1.000000e-06 : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  // GENERIC: %small_eps = "nn.layer_norm"(%x, %gamma, %beta) <{eps = 1.000000e-06 : f32}>
  %small_eps = nn.layer_norm %x, %gamma, %beta eps 1.0e-6 : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  func.return %default_eps, %small_eps : tensor<8x16xf32>, tensor<8x16xf32>
}

// CHECK-LABEL: func.func @sequence_ops
func.func @sequence_ops(%x: tensor<8x32xf32>, %h: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<1x16xf32>, tensor<8x16xf32>) {
  // CHECK-NEXT: %gated = nn.glu %x : tensor<8x32xf32> -> tensor<8x16xf32>
  // GENERIC: %gated = "nn.glu"(%x) : (tensor<8x32xf32>) -> tensor<8x16xf32>
  %gated = nn.glu %x : tensor<8x32xf32> -> tensor<8x16xf32>
  // CHECK-NEXT: %pooled = nn.mean %h : tensor<8x16xf32> -> tensor<1x16xf32>
  // GENERIC: %pooled = "nn.mean"(%h) : (tensor<8x16xf32>) -> tensor<1x16xf32>
  %pooled = nn.mean %h : tensor<8x16xf32> -> tensor<1x16xf32>
  // CHECK-NEXT: %backwards = nn.reverse %h : tensor<8x16xf32>
  // GENERIC: %backwards = "nn.reverse"(%h) : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %backwards = nn.reverse %h : tensor<8x16xf32>
  func.return %gated, %pooled, %backwards : tensor<8x16xf32>, tensor<1x16xf32>, tensor<8x16xf32>
}

// CHECK-LABEL: func.func @causal_conv1d
func.func @causal_conv1d(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>, %b: tensor<16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
  // CHECK-NEXT: %y = nn.causal_conv1d %x, %w, %b : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  // GENERIC: %y = "nn.causal_conv1d"(%x, %w, %b) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  %y = nn.causal_conv1d %x, %w, %b : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  // CHECK-NEXT: %no_bias = nn.causal_conv1d %x, %w : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x16xf32>
  %no_bias = nn.causal_conv1d %x, %w : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x16xf32>
  func.return %y, %no_bias : tensor<8x16xf32>, tensor<8x16xf32>
}

// -----

// The generic form parses; the default eps may be left out.
// CHECK-LABEL: func.func @generic_input
func.func @generic_input(%x: tensor<2x4xf32>, %g: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  // CHECK-NEXT: %n = nn.layer_norm %x, %g, %g : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %n = "nn.layer_norm"(%x, %g, %g) : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  // CHECK-NEXT: %s = nn.add %x, %n : tensor<2x4xf32>
  %s = "nn.add"(%x, %n) : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  func.return %n, %s : tensor<2x4xf32>, tensor<2x4xf32>
}

// Contract version 2: exp, neg, RMS norm, slice, and a vector operand broadcast over the rows.
// CHECK-LABEL: func.func @real_models
func.func @real_models(%x: tensor<8x16xf32>, %g: tensor<16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x4xf32>) {
  // CHECK-NEXT: %exp = nn.exp %x : tensor<8x16xf32>
  // GENERIC: %exp = "nn.exp"(%x) : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %exp = nn.exp %x : tensor<8x16xf32>
  // CHECK-NEXT: %neg = nn.neg %x : tensor<8x16xf32>
  // GENERIC: %neg = "nn.neg"(%x) : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %neg = nn.neg %x : tensor<8x16xf32>
  // CHECK-NEXT: %biased = nn.add %x, %g : tensor<8x16xf32>, tensor<16xf32>
  // GENERIC: %biased = "nn.add"(%x, %g) : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  %biased = nn.add %x, %g : tensor<8x16xf32>, tensor<16xf32>
  // CHECK-NEXT: %scaled = nn.mul %x, %g : tensor<8x16xf32>, tensor<16xf32>
  %scaled = nn.mul %x, %g : tensor<8x16xf32>, tensor<16xf32>
  // CHECK-NEXT: %rms = nn.rms_norm %x, %g : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  // GENERIC: %rms = "nn.rms_norm"(%x, %g) <{eps = 1.000000e-05 : f32}> : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  %rms = nn.rms_norm %x, %g : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  // CHECK-NEXT: %rms_eps = nn.rms_norm %x, %g eps 1.000000e-06 : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  %rms_eps = nn.rms_norm %x, %g eps 1.0e-6 : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  // CHECK-NEXT: %columns = nn.slice %x start 12 : tensor<8x16xf32> -> tensor<8x4xf32>
  // GENERIC: %columns = "nn.slice"(%x) <{start = 12 : i64}> : (tensor<8x16xf32>) -> tensor<8x4xf32>
  %columns = nn.slice %x start 12 : tensor<8x16xf32> -> tensor<8x4xf32>
  func.return %exp, %neg, %biased, %scaled, %rms, %rms_eps, %columns : tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x4xf32>
}

// CHECK-LABEL: func.func @embedding
func.func @embedding(%ids: tensor<8xi32>, %table: tensor<100x16xf32>) -> tensor<8x16xf32> {
  // CHECK-NEXT: %y = nn.embedding %ids, %table : (tensor<8xi32>, tensor<100x16xf32>) -> tensor<8x16xf32>
  // GENERIC: %y = "nn.embedding"(%ids, %table) : (tensor<8xi32>, tensor<100x16xf32>) -> tensor<8x16xf32>
  %y = nn.embedding %ids, %table : (tensor<8xi32>, tensor<100x16xf32>) -> tensor<8x16xf32>
  func.return %y : tensor<8x16xf32>
}
