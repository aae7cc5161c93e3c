func.func @main(%x: tensor<256x16xf32>, %gamma: tensor<16xf32>, %beta: tensor<16xf32>, %w_in_x: tensor<32x16xf32>, %w_in_z: tensor<32x16xf32>, %conv_w: tensor<32x4xf32>, %conv_b: tensor<32xf32>, %w_dt_low: tensor<1x32xf32>, %w_b: tensor<16x32xf32>, %w_c: tensor<16x32xf32>, %w_dt: tensor<32x1xf32>, %b_dt: tensor<32xf32>, %a: tensor<32x16xf32>, %d: tensor<32xf32>, %w_out: tensor<16x32xf32>) -> tensor<256x16xf32> {
  %n = nn.layer_norm %x, %gamma, %beta : (tensor<256x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<256x16xf32>
  %xi = nn.linear %n, %w_in_x : (tensor<256x16xf32>, tensor<32x16xf32>) -> tensor<256x32xf32>
  %z = nn.linear %n, %w_in_z : (tensor<256x16xf32>, tensor<32x16xf32>) -> tensor<256x32xf32>
  %xc = nn.causal_conv1d %xi, %conv_w, %conv_b : (tensor<256x32xf32>, tensor<32x4xf32>, tensor<32xf32>) -> tensor<256x32xf32>
  %xs = nn.silu %xc : tensor<256x32xf32>
  %dt_low = nn.linear %xs, %w_dt_low : (tensor<256x32xf32>, tensor<1x32xf32>) -> tensor<256x1xf32>
  %bm = nn.linear %xs, %w_b : (tensor<256x32xf32>, tensor<16x32xf32>) -> tensor<256x16xf32>
  %cm = nn.linear %xs, %w_c : (tensor<256x32xf32>, tensor<16x32xf32>) -> tensor<256x16xf32>
  %dt = nn.linear %dt_low, %w_dt, %b_dt : (tensor<256x1xf32>, tensor<32x1xf32>, tensor<32xf32>) -> tensor<256x32xf32>
  %ys = ssm.selective_scan %xs, %dt, %a, %bm, %cm, %d, %z delta_softplus : (tensor<256x32xf32>, tensor<256x32xf32>, tensor<32x16xf32>, tensor<256x16xf32>, tensor<256x16xf32>, tensor<32xf32>, tensor<256x32xf32>) -> tensor<256x32xf32>
  %o = nn.linear %ys, %w_out : (tensor<256x32xf32>, tensor<16x32xf32>) -> tensor<256x16xf32>
  %y = nn.add %x, %o : tensor<256x16xf32>
  func.return %y : tensor<256x16xf32>
}
