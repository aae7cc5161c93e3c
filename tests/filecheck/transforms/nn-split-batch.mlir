// nn-split-batch runs each sequence of a batched sequence op as an op of its own: the batched
// operands are unstacked once per value, parameters are shared, and each result is stacked.
// Row-wise ops (linear, norms, elementwise) keep the batch; unbatched ops are left alone.
// RUN: epoch opt %s -p nn-split-batch | filecheck %s

// CHECK-LABEL: func.func @mamba_mixer_pieces
// Arguments are unstacked at the top of the function (the last one needed first):
// CHECK-NEXT:  %x0_1, %x0_2 = nn.unstack %x0 : tensor<2x16x4xf32> -> tensor<16x4xf32>, tensor<16x4xf32>
// CHECK-NEXT:  %B_1, %B_2 = nn.unstack %B : tensor<2x8x4xf32> -> tensor<8x4xf32>, tensor<8x4xf32>
// CHECK-NEXT:  %c0_1, %c0_2 = nn.unstack %c0 : tensor<2x3x16xf32> -> tensor<3x16xf32>, tensor<3x16xf32>
// CHECK-NEXT:  %u_1, %u_2 = nn.unstack %u : tensor<2x8x16xf32> -> tensor<8x16xf32>, tensor<8x16xf32>
// The linear keeps its batch (2 x 8 rows):
// CHECK-NEXT:  %d = nn.linear %u, %W : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
// CHECK-NEXT:  %d_1, %d_2 = nn.unstack %d
// One convolution per sequence, each with its own state, the weights shared:
// CHECK-NEXT:  %c, %cl = nn.causal_conv1d %u_1, %w state %c0_1 : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<3x16xf32>) -> tensor<8x16xf32>, tensor<3x16xf32>
// CHECK-NEXT:  %c_1, %cl_1 = nn.causal_conv1d %u_2, %w state %c0_2 : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<3x16xf32>) -> tensor<8x16xf32>, tensor<3x16xf32>
// CHECK-NEXT:  %c_2 = nn.stack %c, %c_1 : tensor<8x16xf32>, tensor<8x16xf32> -> tensor<2x8x16xf32>
// CHECK-NEXT:  %cl_2 = nn.stack %cl, %cl_1 : tensor<3x16xf32>, tensor<3x16xf32> -> tensor<2x3x16xf32>
// The scan reads the convolution's sequences straight from its stack (no unstack of a stack),
// and B (used as B and as C) is unstacked once:
// CHECK-NEXT:  %y, %xl = ssm.selective_scan %c, %d_1, %A, %B_1, %B_1, %D state %x0_1 delta_softplus
// CHECK-NEXT:  %y_1, %xl_1 = ssm.selective_scan %c_1, %d_2, %A, %B_2, %B_2, %D state %x0_2 delta_softplus
// CHECK-NEXT:  %y_2 = nn.stack %y, %y_1
// CHECK-NEXT:  %xl_2 = nn.stack %xl, %xl_1
// CHECK-NEXT:  %m = nn.mean %y : tensor<8x16xf32> -> tensor<1x16xf32>
// CHECK-NEXT:  %m_1 = nn.mean %y_1 : tensor<8x16xf32> -> tensor<1x16xf32>
// CHECK-NEXT:  %m_2 = nn.stack %m, %m_1 : tensor<1x16xf32>, tensor<1x16xf32> -> tensor<2x1x16xf32>
// CHECK-NEXT:  func.return %m_2, %cl_2, %xl_2
func.func @mamba_mixer_pieces(%u: tensor<2x8x16xf32>, %W: tensor<16x16xf32>, %w: tensor<16x4xf32>, %c0: tensor<2x3x16xf32>, %A: tensor<16x4xf32>, %B: tensor<2x8x4xf32>, %D: tensor<16xf32>, %x0: tensor<2x16x4xf32>) -> (tensor<2x1x16xf32>, tensor<2x3x16xf32>, tensor<2x16x4xf32>) {
  %d = nn.linear %u, %W : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %c, %cl = nn.causal_conv1d %u, %w state %c0 : (tensor<2x8x16xf32>, tensor<16x4xf32>, tensor<2x3x16xf32>) -> tensor<2x8x16xf32>, tensor<2x3x16xf32>
  %y, %xl = ssm.selective_scan %c, %d, %A, %B, %B, %D state %x0 delta_softplus : (tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<16x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<16xf32>, tensor<2x16x4xf32>) -> tensor<2x8x16xf32>, tensor<2x16x4xf32>
  %m = nn.mean %y : tensor<2x8x16xf32> -> tensor<2x1x16xf32>
  func.return %m, %cl, %xl : tensor<2x1x16xf32>, tensor<2x3x16xf32>, tensor<2x16x4xf32>
}

// Unbatched ops are untouched.
// CHECK-LABEL: func.func @unbatched
// CHECK-NEXT:  %r = nn.reverse %x : tensor<8x16xf32>
// CHECK-NEXT:  func.return %r
func.func @unbatched(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %r = nn.reverse %x : tensor<8x16xf32>
  func.return %r : tensor<8x16xf32>
}
