func.func @main(%x: tensor<2048x256xf32>, %gamma: tensor<256xf32>, %beta: tensor<256xf32>, %w_in_x: tensor<512x256xf32>, %w_in_z: tensor<512x256xf32>, %conv_w: tensor<512x4xf32>, %conv_b: tensor<512xf32>, %w_dt_low: tensor<16x512xf32>, %w_b: tensor<16x512xf32>, %w_c: tensor<16x512xf32>, %w_dt: tensor<512x16xf32>, %b_dt: tensor<512xf32>, %a: tensor<512x16xf32>, %d: tensor<512xf32>, %w_out: tensor<256x512xf32>) -> tensor<2048x256xf32> {
  %n = nn.layer_norm %x, %gamma, %beta : (tensor<2048x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<2048x256xf32>
  %xi = nn.linear %n, %w_in_x : (tensor<2048x256xf32>, tensor<512x256xf32>) -> tensor<2048x512xf32>
  %z = nn.linear %n, %w_in_z : (tensor<2048x256xf32>, tensor<512x256xf32>) -> tensor<2048x512xf32>
  %xc = nn.causal_conv1d %xi, %conv_w, %conv_b : (tensor<2048x512xf32>, tensor<512x4xf32>, tensor<512xf32>) -> tensor<2048x512xf32>
  %xs = nn.silu %xc : tensor<2048x512xf32>
  %dt_low = nn.linear %xs, %w_dt_low : (tensor<2048x512xf32>, tensor<16x512xf32>) -> tensor<2048x16xf32>
  %bm = nn.linear %xs, %w_b : (tensor<2048x512xf32>, tensor<16x512xf32>) -> tensor<2048x16xf32>
  %cm = nn.linear %xs, %w_c : (tensor<2048x512xf32>, tensor<16x512xf32>) -> tensor<2048x16xf32>
  %dt = nn.linear %dt_low, %w_dt, %b_dt : (tensor<2048x16xf32>, tensor<512x16xf32>, tensor<512xf32>) -> tensor<2048x512xf32>
  %ys = ssm.selective_scan %xs, %dt, %a, %bm, %cm, %d, %z delta_softplus : (tensor<2048x512xf32>, tensor<2048x512xf32>, tensor<512x16xf32>, tensor<2048x16xf32>, tensor<2048x16xf32>, tensor<512xf32>, tensor<2048x512xf32>) -> tensor<2048x512xf32>
  %o = nn.linear %ys, %w_out : (tensor<2048x512xf32>, tensor<256x512xf32>) -> tensor<2048x256xf32>
  %y = nn.add %x, %o : tensor<2048x256xf32>
  func.return %y : tensor<2048x256xf32>
}
