// A bidirectional pre-norm S4D block (L=256, H=16, N=4 complex modes):
//   y = x + linear(gelu(scan_fwd(ln(x)) + reverse(scan_bwd(reverse(ln(x))))))
// Compile and run:  epoch run s4d_block.mlir --inputs s4d_block.npz --expect s4d_block.expected.npz
func.func @main(%x: tensor<256x16xf32>, %gamma: tensor<16xf32>, %beta: tensor<16xf32>,
                %a1: tensor<16x4xcomplex<f32>>, %b1: tensor<16x4xcomplex<f32>>,
                %c1: tensor<16x4xcomplex<f32>>, %d1: tensor<16xf32>,
                %a2: tensor<16x4xcomplex<f32>>, %b2: tensor<16x4xcomplex<f32>>,
                %c2: tensor<16x4xcomplex<f32>>, %d2: tensor<16xf32>,
                %w: tensor<16x16xf32>, %bias: tensor<16xf32>) -> tensor<256x16xf32> {
  %n = nn.layer_norm %x, %gamma, %beta : (tensor<256x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<256x16xf32>
  %f = ssm.scan %n, %a1, %b1, %c1, %d1 : (tensor<256x16xf32>, tensor<16x4xcomplex<f32>>, tensor<16x4xcomplex<f32>>, tensor<16x4xcomplex<f32>>, tensor<16xf32>) -> tensor<256x16xf32>
  %r = nn.reverse %n : tensor<256x16xf32>
  %s = ssm.scan %r, %a2, %b2, %c2, %d2 : (tensor<256x16xf32>, tensor<16x4xcomplex<f32>>, tensor<16x4xcomplex<f32>>, tensor<16x4xcomplex<f32>>, tensor<16xf32>) -> tensor<256x16xf32>
  %back = nn.reverse %s : tensor<256x16xf32>
  %sum = nn.add %f, %back : tensor<256x16xf32>
  %g = nn.gelu %sum : tensor<256x16xf32>
  %o = nn.linear %g, %w, %bias : (tensor<256x16xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<256x16xf32>
  %y = nn.add %o, %x : tensor<256x16xf32>
  func.return %y : tensor<256x16xf32>
}
