// convert-nn-to-systolic, one function per nn op, on the `small` machine (8x4 array, banks of
// hundreds of thousands of words): every sequence here fits SRAM in one chunk, so each op is
// load -> compute -> store with one buffer per stream. Chunking is in
// convert-nn-to-systolic-chunks.mlir, the GEMM dataflows in convert-nn-to-systolic-gemm.mlir,
// refusals in convert-nn-to-systolic-errors.mlir.
// RUN: epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-nn-to-systolic,reconcile-unrealized-casts' | filecheck %s
// Nothing of the tensor level survives, and buffers are left for systolic-allocate-sram to place:
// RUN: epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-nn-to-systolic,reconcile-unrealized-casts' | filecheck %s --check-prefix=LOWERED
// LOWERED-NOT: nn.
// LOWERED-NOT: unrealized_conversion_cast
// LOWERED-NOT: systolic.alloc at

// CHECK-LABEL: func.func @gelu(
// approximate none is the erf GELU (`gelu`), tanh its approximation (`gelut`).
// CHECK-NEXT: %erf = systolic.alloc_dram : !systolic.dram<16x8xf32>
// CHECK-NEXT: %gelu_in = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK-NEXT: %gelu_out = systolic.alloc : !systolic.sram<output, 16x8xf32>
// CHECK-NEXT: systolic.load %x[0, 0] -> %gelu_in[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.vector gelu %gelu_in[0, 0] -> %gelu_out[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.store %gelu_out[0, 0] -> %erf[0, 0] sizes [16, 8]
// CHECK-NEXT: %tanh = systolic.alloc_dram : !systolic.dram<16x8xf32>
// CHECK-NEXT: %gelu_in_1 = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK-NEXT: %gelu_out_1 = systolic.alloc : !systolic.sram<output, 16x8xf32>
// CHECK-NEXT: systolic.load %x[0, 0] -> %gelu_in_1[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.vector gelut %gelu_in_1[0, 0] -> %gelu_out_1[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.store %gelu_out_1[0, 0] -> %tanh[0, 0] sizes [16, 8]
func.func @gelu(%x: tensor<16x8xf32>) -> (tensor<16x8xf32>, tensor<16x8xf32>) {
  %erf = nn.gelu %x : tensor<16x8xf32>
  %tanh = nn.gelu %x approximate tanh : tensor<16x8xf32>
  func.return %erf, %tanh : tensor<16x8xf32>, tensor<16x8xf32>
}

// CHECK-LABEL: func.func @activations(
// A 1-D tensor is one row.
// CHECK-NEXT: %silu = systolic.alloc_dram : !systolic.dram<5xf32>
// CHECK-NEXT: %silu_in = systolic.alloc : !systolic.sram<input, 1x5xf32>
// CHECK-NEXT: %silu_out = systolic.alloc : !systolic.sram<output, 1x5xf32>
// CHECK-NEXT: systolic.load %x[0, 0] -> %silu_in[0, 0] sizes [1, 5]
// CHECK-NEXT: systolic.vector silu %silu_in[0, 0] -> %silu_out[0, 0] sizes [1, 5]
// CHECK-NEXT: systolic.store %silu_out[0, 0] -> %silu[0, 0] sizes [1, 5]
// CHECK:      systolic.vector sigmoid %sigmoid_in[0, 0] -> %sigmoid_out[0, 0] sizes [1, 5]
// CHECK:      systolic.vector softplus %softplus_in[0, 0] -> %softplus_out[0, 0] sizes [1, 5]
// CHECK:      systolic.vector relu %relu_in[0, 0] -> %relu_out[0, 0] sizes [1, 5]
// CHECK:      func.return %silu, %sigmoid, %softplus, %relu
func.func @activations(%x: tensor<5xf32>) -> (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) {
  %silu = nn.silu %x : tensor<5xf32>
  %sigmoid = nn.sigmoid %x : tensor<5xf32>
  %softplus = nn.softplus %x : tensor<5xf32>
  %relu = nn.relu %x : tensor<5xf32>
  func.return %silu, %sigmoid, %softplus, %relu : tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>
}

// CHECK-LABEL: func.func @add_mul(
// Both operands stream through the input bank.
// CHECK-NEXT: %sum = systolic.alloc_dram : !systolic.dram<16x8xf32>
// CHECK-NEXT: %add_ina = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK-NEXT: %add_inb = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK-NEXT: %add_out = systolic.alloc : !systolic.sram<output, 16x8xf32>
// CHECK-NEXT: systolic.load %a[0, 0] -> %add_ina[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.load %b[0, 0] -> %add_inb[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.vector add %add_ina[0, 0], %add_inb[0, 0] -> %add_out[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.store %add_out[0, 0] -> %sum[0, 0] sizes [16, 8]
// CHECK-NEXT: %product = systolic.alloc_dram : !systolic.dram<16x8xf32>
// CHECK-NEXT: %mul_ina = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK-NEXT: %mul_inb = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK-NEXT: %mul_out = systolic.alloc : !systolic.sram<output, 16x8xf32>
// CHECK-NEXT: systolic.load %a[0, 0] -> %mul_ina[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.load %b[0, 0] -> %mul_inb[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.vector mul %mul_ina[0, 0], %mul_inb[0, 0] -> %mul_out[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.store %mul_out[0, 0] -> %product[0, 0] sizes [16, 8]
func.func @add_mul(%a: tensor<16x8xf32>, %b: tensor<16x8xf32>) -> (tensor<16x8xf32>, tensor<16x8xf32>) {
  %sum = nn.add %a, %b : tensor<16x8xf32>
  %product = nn.mul %a, %b : tensor<16x8xf32>
  func.return %sum, %product : tensor<16x8xf32>, tensor<16x8xf32>
}

// CHECK-LABEL: func.func @layer_norm(
// kernels/vector.py's sequence with the row sums on the array: x @ w^T with w a row of 1/H,
// preloaded once (H = 8 is one k-fold here); the centred rows go to the output buffer and
// their squares back into the input buffer, whose row sums give the variance; gamma scales
// the centred rows while the array sums, then rsqrt adds eps, and the scaling and beta follow.
// CHECK-NEXT: %layer_norm_gamma = systolic.alloc : !systolic.sram<weight, 8xf32>
// CHECK-NEXT: %layer_norm_beta = systolic.alloc : !systolic.sram<weight, 8xf32>
// CHECK-NEXT: systolic.load %gamma[0, 0] -> %layer_norm_gamma[0, 0] sizes [1, 8]
// CHECK-NEXT: systolic.load %beta[0, 0] -> %layer_norm_beta[0, 0] sizes [1, 8]
// CHECK-NEXT: %layer_norm_averaging = systolic.constant dense<1.250000e-01> : tensor<1x8xf32>
// CHECK-NEXT: %layer_norm_avg = systolic.alloc : !systolic.sram<weight, 1x8xf32>
// CHECK-NEXT: systolic.load %layer_norm_averaging[0, 0] -> %layer_norm_avg[0, 0] sizes [1, 8]
// CHECK-NEXT: %y = systolic.alloc_dram : !systolic.dram<16x8xf32>
// CHECK-NEXT: %layer_norm_in = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK-NEXT: %layer_norm_out = systolic.alloc : !systolic.sram<output, 16x8xf32>
// CHECK-NEXT: %layer_norm_mean = systolic.alloc : !systolic.sram<weight, 16x1xf32>
// CHECK-NEXT: %layer_norm_rstd = systolic.alloc : !systolic.sram<weight, 16x1xf32>
// CHECK-NEXT: systolic.configure <mac, ws> {
// CHECK-NEXT: systolic.preload_tile %layer_norm_avg[0, 0] sizes [1, 8] transpose -> slot 0
// CHECK-NEXT: systolic.load %x[0, 0] -> %layer_norm_in[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.matmul_tile a %layer_norm_in[0, 0] slot 0 -> %layer_norm_mean[0, 0] m 16 n 1 k 8
// CHECK-NEXT: systolic.vector sub %layer_norm_in[0, 0], %layer_norm_mean[0, 0] bcast col -> %layer_norm_out[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.vector mul %layer_norm_out[0, 0], %layer_norm_out[0, 0] -> %layer_norm_in[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.matmul_tile a %layer_norm_in[0, 0] slot 0 -> %layer_norm_rstd[0, 0] m 16 n 1 k 8
// CHECK-NEXT: systolic.vector mul %layer_norm_out[0, 0], %layer_norm_gamma[0, 0] bcast row -> %layer_norm_out[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.vector rsqrt %layer_norm_rstd[0, 0] -> %layer_norm_rstd[0, 0] sizes [16, 1] imm 1.000000e-03
// CHECK-NEXT: systolic.vector mul %layer_norm_out[0, 0], %layer_norm_rstd[0, 0] bcast col -> %layer_norm_out[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.vector add %layer_norm_out[0, 0], %layer_norm_beta[0, 0] bcast row -> %layer_norm_out[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.store %layer_norm_out[0, 0] -> %y[0, 0] sizes [16, 8]
func.func @layer_norm(%x: tensor<16x8xf32>, %gamma: tensor<8xf32>, %beta: tensor<8xf32>) -> tensor<16x8xf32> {
  %y = nn.layer_norm %x, %gamma, %beta eps 1.0e-03 : (tensor<16x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
  func.return %y : tensor<16x8xf32>
}

// CHECK-LABEL: func.func @glu(
// sigmoid of the second half into the output, then times the first half.
// CHECK-NEXT: %y = systolic.alloc_dram : !systolic.dram<16x4xf32>
// CHECK-NEXT: %glu_in = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK-NEXT: %glu_out = systolic.alloc : !systolic.sram<output, 16x4xf32>
// CHECK-NEXT: systolic.load %x[0, 0] -> %glu_in[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.vector sigmoid %glu_in[0, 4] -> %glu_out[0, 0] sizes [16, 4]
// CHECK-NEXT: systolic.vector mul %glu_in[0, 0], %glu_out[0, 0] -> %glu_out[0, 0] sizes [16, 4]
// CHECK-NEXT: systolic.store %glu_out[0, 0] -> %y[0, 0] sizes [16, 4]
func.func @glu(%x: tensor<16x8xf32>) -> tensor<16x4xf32> {
  %y = nn.glu %x : tensor<16x8xf32> -> tensor<16x4xf32>
  func.return %y : tensor<16x4xf32>
}

// CHECK-LABEL: func.func @mean(
// Column sums scaled by 1/L; a single chunk does not accumulate.
// CHECK-NEXT: %y = systolic.alloc_dram : !systolic.dram<1x8xf32>
// CHECK-NEXT: %mean_in = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK-NEXT: %mean_sum = systolic.alloc : !systolic.sram<output, 1x8xf32>
// CHECK-NEXT: systolic.load %x[0, 0] -> %mean_in[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.vector csum %mean_in[0, 0] -> %mean_sum[0, 0] sizes [16, 8] imm 6.250000e-02
// CHECK-NEXT: systolic.store %mean_sum[0, 0] -> %y[0, 0] sizes [1, 8]
func.func @mean(%x: tensor<16x8xf32>) -> tensor<1x8xf32> {
  %y = nn.mean %x : tensor<16x8xf32> -> tensor<1x8xf32>
  func.return %y : tensor<1x8xf32>
}

// A reversal only other nn/ssm ops read is a view: no data moves (systolic-fold-views folds it
// into their loads).
// CHECK-LABEL: func.func @reverse_read(
// CHECK-NEXT: %r = systolic.reverse %x : !systolic.dram<16x8xf32>
// CHECK-NOT:  systolic.store {{.*}} -> %r
// CHECK:      systolic.load %r[0, 0] -> %relu_in[0, 0] sizes [16, 8]
func.func @reverse_read(%x: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %r = nn.reverse %x : tensor<16x8xf32>
  %y = nn.relu %r : tensor<16x8xf32>
  func.return %y : tensor<16x8xf32>
}

// A returned reversal is copied. One chunk: the DMA reads the rows last-first (row stride -8);
// no vector pass.
// CHECK-LABEL: func.func @reverse(
// CHECK-NEXT: %y = systolic.alloc_dram : !systolic.dram<16x8xf32>
// CHECK-NEXT: %reverse_in = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK-NEXT: systolic.load %x[15, 0] stride -8 -> %reverse_in[0, 0] sizes [16, 8]
// CHECK-NEXT: systolic.store %reverse_in[0, 0] -> %y[0, 0] sizes [16, 8]
func.func @reverse(%x: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %y = nn.reverse %x : tensor<16x8xf32>
  func.return %y : tensor<16x8xf32>
}

// CHECK-LABEL: func.func @conv(
// Non-constant weights: w^T (the taps as rows) comes from the GEMM I_3 @ w^T on the array.
// The halo above the first chunk is zeros; tap j reads the buffer from row j.
// CHECK-NEXT: %causal_conv1d_taps = systolic.alloc : !systolic.sram<weight, 3x6xf32>
// CHECK-NEXT: %causal_conv1d_w = systolic.alloc : !systolic.sram<input, 6x3xf32>
// CHECK-NEXT: %causal_conv1d_identity = systolic.alloc : !systolic.sram<input, 3x3xf32>
// CHECK-NEXT: %causal_conv1d_eye = systolic.constant dense<[[1.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 1.000000e+00]]> : tensor<3x3xf32>
// CHECK-NEXT: systolic.load %w[0, 0] -> %causal_conv1d_w[0, 0] sizes [6, 3]
// CHECK-NEXT: systolic.load %causal_conv1d_eye[0, 0] -> %causal_conv1d_identity[0, 0] sizes [3, 3]
// CHECK-NEXT: systolic.configure <mac, ws> {
// CHECK-NEXT: systolic.preload_tile %causal_conv1d_w[0, 0] sizes [4, 3] transpose -> slot 0
// CHECK-NEXT: systolic.matmul_tile a %causal_conv1d_identity[0, 0] slot 0 -> %causal_conv1d_taps[0, 0] m 3 n 4 k 3
// CHECK-NEXT: systolic.preload_tile %causal_conv1d_w[4, 0] sizes [2, 3] transpose -> slot 1
// CHECK-NEXT: systolic.matmul_tile a %causal_conv1d_identity[0, 0] slot 1 -> %causal_conv1d_taps[0, 4] m 3 n 2 k 3
// CHECK-NEXT: }
// CHECK-NEXT: %y = systolic.alloc_dram : !systolic.dram<16x6xf32>
// CHECK-NEXT: %causal_conv1d_b = systolic.alloc : !systolic.sram<weight, 6xf32>
// CHECK-NEXT: systolic.load %b[0, 0] -> %causal_conv1d_b[0, 0] sizes [1, 6]
// CHECK-NEXT: %causal_conv1d_x = systolic.alloc : !systolic.sram<input, 18x6xf32>
// CHECK-NEXT: %causal_conv1d_y = systolic.alloc : !systolic.sram<output, 16x6xf32>
// CHECK-NEXT: %causal_conv1d_product = systolic.alloc : !systolic.sram<output, 16x6xf32>
// CHECK-NEXT: %causal_conv1d_zeros = systolic.constant dense<0.000000e+00> : tensor<2x6xf32>
// CHECK-NEXT: systolic.load %causal_conv1d_zeros[0, 0] -> %causal_conv1d_x[0, 0] sizes [2, 6]
// CHECK-NEXT: systolic.load %x[0, 0] -> %causal_conv1d_x[2, 0] sizes [16, 6]
// CHECK-NEXT: systolic.vector mul %causal_conv1d_x[0, 0], %causal_conv1d_taps[0, 0] bcast row -> %causal_conv1d_y[0, 0] sizes [16, 6]
// CHECK-NEXT: systolic.vector mul %causal_conv1d_x[1, 0], %causal_conv1d_taps[1, 0] bcast row -> %causal_conv1d_product[0, 0] sizes [16, 6]
// CHECK-NEXT: systolic.vector add %causal_conv1d_y[0, 0], %causal_conv1d_product[0, 0] -> %causal_conv1d_y[0, 0] sizes [16, 6]
// CHECK-NEXT: systolic.vector mul %causal_conv1d_x[2, 0], %causal_conv1d_taps[2, 0] bcast row -> %causal_conv1d_product[0, 0] sizes [16, 6]
// CHECK-NEXT: systolic.vector add %causal_conv1d_y[0, 0], %causal_conv1d_product[0, 0] -> %causal_conv1d_y[0, 0] sizes [16, 6]
// CHECK-NEXT: systolic.vector add %causal_conv1d_y[0, 0], %causal_conv1d_b[0, 0] bcast row -> %causal_conv1d_y[0, 0] sizes [16, 6]
// CHECK-NEXT: systolic.store %causal_conv1d_y[0, 0] -> %y[0, 0] sizes [16, 6]
func.func @conv(%x: tensor<16x6xf32>, %w: tensor<6x3xf32>, %b: tensor<6xf32>) -> tensor<16x6xf32> {
  %y = nn.causal_conv1d %x, %w, %b : (tensor<16x6xf32>, tensor<6x3xf32>, tensor<6xf32>) -> tensor<16x6xf32>
  func.return %y : tensor<16x6xf32>
}

// CHECK-LABEL: func.func @conv_constant(
// Constant weights are transposed at compile time; no bias, no GEMM.
// CHECK-NEXT: %causal_conv1d_taps = systolic.alloc : !systolic.sram<weight, 2x2xf32>
// CHECK-NEXT: %causal_conv1d_w_t = systolic.constant dense<[[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT: systolic.load %causal_conv1d_w_t[0, 0] -> %causal_conv1d_taps[0, 0] sizes [2, 2]
// CHECK-NEXT: %y = systolic.alloc_dram : !systolic.dram<16x2xf32>
// CHECK-NEXT: %causal_conv1d_x = systolic.alloc : !systolic.sram<input, 17x2xf32>
// CHECK-NEXT: %causal_conv1d_y = systolic.alloc : !systolic.sram<output, 16x2xf32>
// CHECK-NEXT: %causal_conv1d_product = systolic.alloc : !systolic.sram<output, 16x2xf32>
// CHECK-NEXT: %causal_conv1d_zeros = systolic.constant dense<0.000000e+00> : tensor<1x2xf32>
// CHECK-NEXT: systolic.load %causal_conv1d_zeros[0, 0] -> %causal_conv1d_x[0, 0] sizes [1, 2]
// CHECK-NEXT: systolic.load %x[0, 0] -> %causal_conv1d_x[1, 0] sizes [16, 2]
// CHECK-NEXT: systolic.vector mul %causal_conv1d_x[0, 0], %causal_conv1d_taps[0, 0] bcast row -> %causal_conv1d_y[0, 0] sizes [16, 2]
// CHECK-NEXT: systolic.vector mul %causal_conv1d_x[1, 0], %causal_conv1d_taps[1, 0] bcast row -> %causal_conv1d_product[0, 0] sizes [16, 2]
// CHECK-NEXT: systolic.vector add %causal_conv1d_y[0, 0], %causal_conv1d_product[0, 0] -> %causal_conv1d_y[0, 0] sizes [16, 2]
// CHECK-NEXT: systolic.store %causal_conv1d_y[0, 0] -> %y[0, 0] sizes [16, 2]
func.func @conv_constant(%x: tensor<16x2xf32>) -> tensor<16x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %y = nn.causal_conv1d %x, %w : (tensor<16x2xf32>, tensor<2x2xf32>) -> tensor<16x2xf32>
  func.return %y : tensor<16x2xf32>
}

// CHECK-LABEL: func.func @conv_one_tap(
// One tap: no halo, no partial products.
// CHECK-NEXT: %causal_conv1d_taps = systolic.alloc : !systolic.sram<weight, 1x2xf32>
// CHECK-NEXT: %causal_conv1d_w = systolic.alloc : !systolic.sram<input, 2x1xf32>
// CHECK-NEXT: %causal_conv1d_identity = systolic.alloc : !systolic.sram<input, 1x1xf32>
// CHECK-NEXT: %causal_conv1d_eye = systolic.constant dense<1.000000e+00> : tensor<1x1xf32>
// CHECK-NEXT: systolic.load %w[0, 0] -> %causal_conv1d_w[0, 0] sizes [2, 1]
// CHECK-NEXT: systolic.load %causal_conv1d_eye[0, 0] -> %causal_conv1d_identity[0, 0] sizes [1, 1]
// CHECK-NEXT: systolic.configure <mac, ws> {
// CHECK-NEXT: systolic.preload_tile %causal_conv1d_w[0, 0] sizes [2, 1] transpose -> slot 0
// CHECK-NEXT: systolic.matmul_tile a %causal_conv1d_identity[0, 0] slot 0 -> %causal_conv1d_taps[0, 0] m 1 n 2 k 1
// CHECK-NEXT: }
// CHECK-NEXT: %y = systolic.alloc_dram : !systolic.dram<16x2xf32>
// CHECK-NEXT: %causal_conv1d_x = systolic.alloc : !systolic.sram<input, 16x2xf32>
// CHECK-NEXT: %causal_conv1d_y = systolic.alloc : !systolic.sram<output, 16x2xf32>
// CHECK-NEXT: systolic.load %x[0, 0] -> %causal_conv1d_x[0, 0] sizes [16, 2]
// CHECK-NEXT: systolic.vector mul %causal_conv1d_x[0, 0], %causal_conv1d_taps[0, 0] bcast row -> %causal_conv1d_y[0, 0] sizes [16, 2]
// CHECK-NEXT: systolic.store %causal_conv1d_y[0, 0] -> %y[0, 0] sizes [16, 2]
func.func @conv_one_tap(%x: tensor<16x2xf32>, %w: tensor<2x1xf32>) -> tensor<16x2xf32> {
  %y = nn.causal_conv1d %x, %w : (tensor<16x2xf32>, tensor<2x1xf32>) -> tensor<16x2xf32>
  func.return %y : tensor<16x2xf32>
}
