// Every verifier rule of the nn ops, one case per chunk. The elementwise ops' custom syntax
// cannot spell operands or results of different types, so those cases use the generic form.
// RUN: epoch opt %s --split-input-file --verify-diagnostics | filecheck %s
// Every chunk must fail: no module may be printed.
// RUN: epoch opt %s --split-input-file --verify-diagnostics | filecheck %s --check-prefix=NOMODULE
// NOMODULE-NOT: builtin.module

func.func @linear_x_rank(%x: tensor<32xf32>, %W: tensor<16x32xf32>) {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:8: error: 'nn.linear' op x must be a 2-D tensor (L x K) or a batch of them (3-D, B x L x K), got tensor<32xf32>
  %y = nn.linear %x, %W : (tensor<32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @linear_x_elements(%x: tensor<8x32xbf16>, %W: tensor<16x32xf32>) {
  // CHECK: 'nn.linear' op x must have f32 elements, got bf16
  %y = nn.linear %x, %W : (tensor<8x32xbf16>, tensor<16x32xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @linear_W_rank(%x: tensor<8x32xf32>, %W: tensor<32xf32>) {
  // CHECK: 'nn.linear' op W must be a 2-D tensor (N x K), got tensor<32xf32>
  %y = nn.linear %x, %W : (tensor<8x32xf32>, tensor<32xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @linear_features(%x: tensor<8x32xf32>, %W: tensor<16x31xf32>) {
  // CHECK: 'nn.linear' op x has 32 features but W has 31
  %y = nn.linear %x, %W : (tensor<8x32xf32>, tensor<16x31xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @linear_b_rank(%x: tensor<8x32xf32>, %W: tensor<16x32xf32>, %b: tensor<1x16xf32>) {
  // CHECK: 'nn.linear' op b must be a 1-D tensor (N), got tensor<1x16xf32>
  %y = nn.linear %x, %W, %b : (tensor<8x32xf32>, tensor<16x32xf32>, tensor<1x16xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @linear_b_outputs(%x: tensor<8x32xf32>, %W: tensor<16x32xf32>, %b: tensor<15xf32>) {
  // CHECK: 'nn.linear' op W has 16 outputs but b has 15
  %y = nn.linear %x, %W, %b : (tensor<8x32xf32>, tensor<16x32xf32>, tensor<15xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @linear_y_type(%x: tensor<8x32xf32>, %W: tensor<16x32xf32>) {
  // CHECK: 'nn.linear' op y has type tensor<8x32xf32> but must be tensor<8x16xf32> (L x N from x and W)
  %y = nn.linear %x, %W : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  func.return
}

// -----

func.func @gelu_unknown_approximation(%x: tensor<8x16xf32>) {
  // CHECK: 'nn.gelu' op approximate must be one of "none", "tanh", got "fast"
  %y = nn.gelu %x approximate fast : tensor<8x16xf32>
  func.return
}

// -----

func.func @gelu_y_type(%x: tensor<8x16xf32>) {
  // CHECK: 'nn.gelu' op y has type tensor<8x17xf32> but must be tensor<8x16xf32> (the type of x)
  %y = "nn.gelu"(%x) <{approximate = "tanh"}> : (tensor<8x16xf32>) -> tensor<8x17xf32>
  func.return
}

// -----

func.func @silu_elements(%x: tensor<8x16xi32>) {
  // CHECK: 'nn.silu' op x must have f32 elements, got i32
  %y = nn.silu %x : tensor<8x16xi32>
  func.return
}

// -----

func.func @sigmoid_y_type(%x: tensor<8x16xf32>) {
  // CHECK: 'nn.sigmoid' op y has type tensor<16x8xf32> but must be tensor<8x16xf32> (the type of x)
  %y = "nn.sigmoid"(%x) : (tensor<8x16xf32>) -> tensor<16x8xf32>
  func.return
}

// -----

func.func @softplus_dynamic(%x: tensor<?x16xf32>) {
  // CHECK: 'nn.softplus' op x must have a static shape, got tensor<?x16xf32>
  %y = nn.softplus %x : tensor<?x16xf32>
  func.return
}

// -----

func.func @relu_empty(%x: tensor<8x0xf32>) {
  // CHECK: 'nn.relu' op x must not have an empty dimension, got tensor<8x0xf32>
  %y = nn.relu %x : tensor<8x0xf32>
  func.return
}

// -----

func.func @add_shapes(%a: tensor<8x16xf32>, %b: tensor<8x17xf32>) {
  // CHECK: 'nn.add' op a has shape 8x16 but b has shape 8x17
  %y = "nn.add"(%a, %b) : (tensor<8x16xf32>, tensor<8x17xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @add_elements(%a: tensor<8x16xf32>, %b: tensor<8x16xf16>) {
  // CHECK: 'nn.add' op b must have f32 elements, got f16
  %y = "nn.add"(%a, %b) : (tensor<8x16xf32>, tensor<8x16xf16>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @mul_y_type(%a: tensor<8x16xf32>) {
  // CHECK: 'nn.mul' op y has type tensor<8xf32> but must be tensor<8x16xf32> (the type of a)
  %y = "nn.mul"(%a, %a) : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8xf32>
  func.return
}

// -----

func.func @mul_a_dynamic(%a: tensor<?xf32>) {
  // CHECK: 'nn.mul' op a must have a static shape, got tensor<?xf32>
  %y = nn.mul %a, %a : tensor<?xf32>
  func.return
}

// -----

func.func @layer_norm_negative_eps(%x: tensor<8x16xf32>, %g: tensor<16xf32>) {
  // CHECK: 'nn.layer_norm' op eps must be non-negative, got -1.0
  %y = nn.layer_norm %x, %g, %g eps -1.0 : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @layer_norm_eps_type(%x: tensor<8x16xf32>, %g: tensor<16xf32>) {
  // CHECK: 'nn.layer_norm' op f64 should be of base attribute f32
  %y = "nn.layer_norm"(%x, %g, %g) <{eps = 1.0e-5 : f64}> : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @layer_norm_x_rank(%x: tensor<8x16x2x1xf32>, %g: tensor<16xf32>) {
  // CHECK: 'nn.layer_norm' op x must be a 2-D tensor (L x H) or a batch of them (3-D, B x L x H), got tensor<8x16x2x1xf32>
  %y = nn.layer_norm %x, %g, %g : (tensor<8x16x2x1xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16x2x1xf32>
  func.return
}

// -----

func.func @layer_norm_gamma_rank(%x: tensor<8x16xf32>, %g: tensor<1x16xf32>, %b: tensor<16xf32>) {
  // CHECK: 'nn.layer_norm' op gamma must be a 1-D tensor (H), got tensor<1x16xf32>
  %y = nn.layer_norm %x, %g, %b : (tensor<8x16xf32>, tensor<1x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @layer_norm_gamma_channels(%x: tensor<8x16xf32>, %g: tensor<15xf32>, %b: tensor<16xf32>) {
  // CHECK: 'nn.layer_norm' op x has 16 channels but gamma has 15
  %y = nn.layer_norm %x, %g, %b : (tensor<8x16xf32>, tensor<15xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @layer_norm_beta_channels(%x: tensor<8x16xf32>, %g: tensor<16xf32>, %b: tensor<17xf32>) {
  // CHECK: 'nn.layer_norm' op x has 16 channels but beta has 17
  %y = nn.layer_norm %x, %g, %b : (tensor<8x16xf32>, tensor<16xf32>, tensor<17xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @layer_norm_y_type(%x: tensor<8x16xf32>, %g: tensor<16xf32>) {
  // CHECK: 'nn.layer_norm' op y has type tensor<8x15xf32> but must be tensor<8x16xf32> (the type of x)
  %y = nn.layer_norm %x, %g, %g : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x15xf32>
  func.return
}

// -----

func.func @glu_rank(%x: tensor<16xf32>) {
  // CHECK: 'nn.glu' op x must be a 2-D tensor (L x 2H) or a batch of them (3-D, B x L x 2H), got tensor<16xf32>
  %y = nn.glu %x : tensor<16xf32> -> tensor<8xf32>
  func.return
}

// -----

func.func @glu_odd_channels(%x: tensor<8x7xf32>) {
  // CHECK: 'nn.glu' op x has 7 channels but glu needs an even number (2H)
  %y = nn.glu %x : tensor<8x7xf32> -> tensor<8x3xf32>
  func.return
}

// -----

func.func @glu_y_type(%x: tensor<8x16xf32>) {
  // CHECK: 'nn.glu' op y has type tensor<8x16xf32> but must be tensor<8x8xf32> (L x H, half the channels of x)
  %y = nn.glu %x : tensor<8x16xf32> -> tensor<8x16xf32>
  func.return
}

// -----

func.func @mean_rank(%x: tensor<8xf32>) {
  // CHECK: 'nn.mean' op x must be a 2-D tensor (L x H) or a batch of them (3-D, B x L x H), got tensor<8xf32>
  %y = nn.mean %x : tensor<8xf32> -> tensor<1xf32>
  func.return
}

// -----

func.func @mean_y_type(%x: tensor<8x16xf32>) {
  // CHECK: 'nn.mean' op y has type tensor<16xf32> but must be tensor<1x16xf32> (1 x H per sequence)
  %y = nn.mean %x : tensor<8x16xf32> -> tensor<16xf32>
  func.return
}

// -----

func.func @causal_conv1d_x_rank(%x: tensor<8xf32>, %w: tensor<16x4xf32>) {
  // CHECK: 'nn.causal_conv1d' op x must be a 2-D tensor (L x H) or a batch of them (3-D, B x L x H), got tensor<8xf32>
  %y = nn.causal_conv1d %x, %w : (tensor<8xf32>, tensor<16x4xf32>) -> tensor<8xf32>
  func.return
}

// -----

func.func @causal_conv1d_w_rank(%x: tensor<8x16xf32>, %w: tensor<4xf32>) {
  // CHECK: 'nn.causal_conv1d' op w must be a 2-D tensor (H x K), got tensor<4xf32>
  %y = nn.causal_conv1d %x, %w : (tensor<8x16xf32>, tensor<4xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @causal_conv1d_w_channels(%x: tensor<8x16xf32>, %w: tensor<4x16xf32>) {
  // CHECK: 'nn.causal_conv1d' op x has 16 channels but w has 4
  %y = nn.causal_conv1d %x, %w : (tensor<8x16xf32>, tensor<4x16xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @causal_conv1d_b_rank(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>, %b: tensor<16x1xf32>) {
  // CHECK: 'nn.causal_conv1d' op b must be a 1-D tensor (H), got tensor<16x1xf32>
  %y = nn.causal_conv1d %x, %w, %b : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<16x1xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @causal_conv1d_b_channels(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>, %b: tensor<15xf32>) {
  // CHECK: 'nn.causal_conv1d' op x has 16 channels but b has 15
  %y = nn.causal_conv1d %x, %w, %b : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<15xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @causal_conv1d_y_type(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>) {
  // CHECK: 'nn.causal_conv1d' op y has type tensor<5x16xf32> but must be tensor<8x16xf32> (the type of x)
  %y = nn.causal_conv1d %x, %w : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<5x16xf32>
  func.return
}

// -----

func.func @reverse_rank(%x: tensor<8xf32>) {
  // CHECK: 'nn.reverse' op x must be a 2-D tensor (L x H) or a batch of them (3-D, B x L x H), got tensor<8xf32>
  %y = nn.reverse %x : tensor<8xf32>
  func.return
}

// -----

func.func @reverse_y_type(%x: tensor<8x16xf32>) {
  // CHECK: 'nn.reverse' op y has type tensor<16x8xf32> but must be tensor<8x16xf32> (the type of x)
  %y = "nn.reverse"(%x) : (tensor<8x16xf32>) -> tensor<16x8xf32>
  func.return
}


// -----

func.func @broadcast_length(%a: tensor<8x16xf32>, %b: tensor<15xf32>) {
  // CHECK: 'nn.add' op a has 16 elements in its last dimension but b has 15
  %y = nn.add %a, %b : tensor<8x16xf32>, tensor<15xf32>
  func.return
}

// -----

func.func @broadcast_not_a_vector(%a: tensor<8x16xf32>, %b: tensor<1x16xf32>) {
  // CHECK: 'nn.mul' op a has shape 8x16 but b has shape 1x16
  %y = nn.mul %a, %b : tensor<8x16xf32>, tensor<1x16xf32>
  func.return
}

// -----

func.func @rms_norm_gamma(%x: tensor<8x16xf32>, %g: tensor<8xf32>) {
  // CHECK: 'nn.rms_norm' op x has 16 channels but gamma has 8
  %y = nn.rms_norm %x, %g : (tensor<8x16xf32>, tensor<8xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @rms_norm_negative_eps(%x: tensor<8x16xf32>, %g: tensor<16xf32>) {
  // CHECK: 'nn.rms_norm' op eps must be non-negative, got -1.0
  %y = nn.rms_norm %x, %g eps -1.0 : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @slice_past_the_end(%x: tensor<8x16xf32>) {
  // CHECK: 'nn.slice' op start 14 and y's 4 columns run past x's 16 columns (need 0 <= start and start + 4 <= 16)
  %y = nn.slice %x start 14 : tensor<8x16xf32> -> tensor<8x4xf32>
  func.return
}

// -----

func.func @slice_negative_start(%x: tensor<8x16xf32>) {
  // CHECK: 'nn.slice' op start -1 and y's 4 columns run past x's 16 columns
  %y = nn.slice %x start -1 : tensor<8x16xf32> -> tensor<8x4xf32>
  func.return
}

// -----

func.func @slice_steps(%x: tensor<8x16xf32>) {
  // CHECK: 'nn.slice' op x has 8 steps but y has 7
  %y = nn.slice %x start 0 : tensor<8x16xf32> -> tensor<7x4xf32>
  func.return
}

// -----

func.func @embedding_float_ids(%ids: tensor<8xf32>, %table: tensor<100x16xf32>) {
  // CHECK: 'nn.embedding' op ids must have i32 elements, got f32
  %y = nn.embedding %ids, %table : (tensor<8xf32>, tensor<100x16xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @embedding_table_rank(%ids: tensor<8xi32>, %table: tensor<1600xf32>) {
  // CHECK: 'nn.embedding' op table must be a 2-D tensor (V x H), got tensor<1600xf32>
  %y = nn.embedding %ids, %table : (tensor<8xi32>, tensor<1600xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @embedding_result(%ids: tensor<8xi32>, %table: tensor<100x16xf32>) {
  // CHECK: 'nn.embedding' op y has type tensor<8x15xf32> but must be tensor<8x16xf32> (L x H from ids and the table)
  %y = nn.embedding %ids, %table : (tensor<8xi32>, tensor<100x16xf32>) -> tensor<8x15xf32>
  func.return
}

// -----

func.func @conv_state_rows(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>, %c0: tensor<4x16xf32>) {
  // CHECK: 'nn.causal_conv1d' op c0 has type tensor<4x16xf32> but must be tensor<3x16xf32> ((K - 1) x H from w, per sequence)
  %y, %c = nn.causal_conv1d %x, %w state %c0 : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<4x16xf32>) -> tensor<8x16xf32>, tensor<4x16xf32>
  func.return
}

// -----

func.func @conv_state_without_result(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>, %c0: tensor<3x16xf32>) {
  // CHECK: 'nn.causal_conv1d' op c0 and c_last come together: the state in and the state out
  %y = "nn.causal_conv1d"(%x, %w, %c0) <{operandSegmentSizes = array<i32: 1, 1, 0, 1>}> : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<3x16xf32>) -> tensor<8x16xf32>
  func.return
}

// -----

func.func @conv_state_one_tap(%x: tensor<8x16xf32>, %w: tensor<16x1xf32>, %c0: tensor<1x16xf32>) {
  // CHECK: 'nn.causal_conv1d' op w has 1 tap: a convolution of one tap has no state (c0 is K - 1 rows)
  %y, %c = nn.causal_conv1d %x, %w state %c0 : (tensor<8x16xf32>, tensor<16x1xf32>, tensor<1x16xf32>) -> tensor<8x16xf32>, tensor<1x16xf32>
  func.return
}

// -----

// A batch: the norm's channels are the last dimension (B x L x H).
func.func @layer_norm_batched_channels(%x: tensor<8x16x2xf32>, %g: tensor<16xf32>) {
  // CHECK: 'nn.layer_norm' op x has 2 channels but gamma has 16
  %y = nn.layer_norm %x, %g, %g : (tensor<8x16x2xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16x2xf32>
  func.return
}

// -----

func.func @conv_state_batch(%x: tensor<2x8x4xf32>, %w: tensor<4x3xf32>, %c0: tensor<2x4xf32>) {
  // CHECK: 'nn.causal_conv1d' op c0 has type tensor<2x4xf32> but must be tensor<2x2x4xf32> ((K - 1) x H from w, per sequence)
  %y, %c = nn.causal_conv1d %x, %w state %c0 : (tensor<2x8x4xf32>, tensor<4x3xf32>, tensor<2x4xf32>) -> tensor<2x8x4xf32>, tensor<2x4xf32>
  func.return
}

// -----

func.func @slice_batch(%x: tensor<2x8x16xf32>) {
  // CHECK: 'nn.slice' op x has a batch of 2 but y has no batch dimension
  %y = nn.slice %x start 0 : tensor<2x8x16xf32> -> tensor<8x4xf32>
  func.return
}

// -----

func.func @unstack_count(%x: tensor<2x8x16xf32>) {
  // CHECK: 'nn.unstack' op x has 2 sequences but parts has 3
  %a, %b, %c = "nn.unstack"(%x) : (tensor<2x8x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>)
  func.return
}

// -----

func.func @unstack_part_type(%x: tensor<2x8x16xf32>) {
  // CHECK: 'nn.unstack' op part 1 has type tensor<8x4xf32> but must be tensor<8x16xf32> (x without its batch dimension)
  %a, %b = nn.unstack %x : tensor<2x8x16xf32> -> tensor<8x16xf32>, tensor<8x4xf32>
  func.return
}

// -----

func.func @stack_types(%a: tensor<8x16xf32>, %b: tensor<8x4xf32>) {
  // CHECK: 'nn.stack' op part 1 has type tensor<8x4xf32> but must be tensor<8x16xf32> (the type of part 0)
  %y = nn.stack %a, %b : tensor<8x16xf32>, tensor<8x4xf32> -> tensor<2x8x16xf32>
  func.return
}

// -----

func.func @stack_result(%a: tensor<8x16xf32>, %b: tensor<8x16xf32>) {
  // CHECK: 'nn.stack' op y has type tensor<3x8x16xf32> but must be tensor<2x8x16xf32> (the parts' type with the batch first)
  %y = nn.stack %a, %b : tensor<8x16xf32>, tensor<8x16xf32> -> tensor<3x8x16xf32>
  func.return
}
