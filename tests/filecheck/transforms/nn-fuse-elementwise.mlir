// nn-fuse-elementwise marks each nn.add that the producer of one operand can compute by
// accumulating onto the other: the producer is an nn.linear or ssm.scan (maybe through one
// nn.reverse) read by nothing else, and the other operand exists before it runs. It marks an
// activation as an epilogue when only it reads a value such a producer (or such an add) makes,
// and a layer norm whose input a linear (or an add it computes) makes, whoever else reads it.
// RUN: epoch opt %s --split-input-file -p nn-fuse-elementwise | filecheck %s

// The residual add of a block: the linear accumulates onto %x.
// CHECK-LABEL: func.func @residual
// CHECK: nn.add %o, %x {accumulate_into = 0 : i64}
// CHECK: nn.relu %y {epilogue}
// CHECK: nn.layer_norm %p, %g, %b {epilogue}
func.func @residual(%x: tensor<16x8xf32>, %w: tensor<8x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<16x8xf32>, tensor<16x8xf32>) {
  %o = nn.linear %x, %w : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %y = nn.add %o, %x : tensor<16x8xf32>
  %z = nn.relu %y : tensor<16x8xf32>
  %p = nn.linear %x, %w : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %n = nn.layer_norm %p, %g, %b : (tensor<16x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
  func.return %z, %n : tensor<16x8xf32>, tensor<16x8xf32>
}

// -----

// A bidirectional layer's sum: the forward result exists before the backward scan runs, so
// the backward scan (through the reversal) accumulates onto it; the forward scan cannot, as
// the backward half does not exist yet when it runs.
// CHECK-LABEL: func.func @bidirectional
// CHECK: nn.add %f, %back {accumulate_into = 1 : i64}
func.func @bidirectional(%u: tensor<16x8xf32>, %a: tensor<8x4xcomplex<f32>>, %b: tensor<8x4xcomplex<f32>>, %c: tensor<8x4xcomplex<f32>>, %d: tensor<8xf32>) -> tensor<16x8xf32> {
  %f = ssm.scan %u, %a, %b, %c, %d : (tensor<16x8xf32>, tensor<8x4xcomplex<f32>>, tensor<8x4xcomplex<f32>>, tensor<8x4xcomplex<f32>>, tensor<8xf32>) -> tensor<16x8xf32>
  %r = nn.reverse %u : tensor<16x8xf32>
  %s = ssm.scan %r, %a, %b, %c, %d : (tensor<16x8xf32>, tensor<8x4xcomplex<f32>>, tensor<8x4xcomplex<f32>>, tensor<8x4xcomplex<f32>>, tensor<8xf32>) -> tensor<16x8xf32>
  %back = nn.reverse %s : tensor<16x8xf32>
  %sum = nn.add %f, %back : tensor<16x8xf32>
  func.return %sum : tensor<16x8xf32>
}

// -----

// Not marked: the linear's result has another reader (the add could not replace it), the
// other operand of the second add is made after the producer, a gelu is no accumulating
// producer, and an activation of a value something else reads too is no epilogue.
// CHECK-LABEL: func.func @unfused
// CHECK-NOT: {{accumulate_into|epilogue}}
func.func @unfused(%x: tensor<16x8xf32>, %w: tensor<8x8xf32>) -> (tensor<16x8xf32>, tensor<16x8xf32>) {
  %o = nn.linear %x, %w : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %y = nn.add %o, %x : tensor<16x8xf32>
  %p = nn.linear %x, %w : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %g = nn.gelu %x : tensor<16x8xf32>
  %z = nn.add %p, %g : tensor<16x8xf32>
  %s = nn.silu %o : tensor<16x8xf32>
  func.return %s, %z : tensor<16x8xf32>, tensor<16x8xf32>
}
