// Every verifier rule of the ssm ops, one case per chunk.
// RUN: epoch opt %s --split-input-file --verify-diagnostics | filecheck %s
// Every chunk must fail: no module may be printed.
// RUN: epoch opt %s --split-input-file --verify-diagnostics | filecheck %s --check-prefix=NOMODULE
// NOMODULE-NOT: builtin.module

func.func @discretize_unknown_method(%A: tensor<4x8xf32>, %delta: tensor<4xf32>) {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:18: error: 'ssm.discretize' op method must be one of "zoh", "bilinear", "euler", got "rk4"
  %Abar, %Bbar = ssm.discretize rk4 %A, %A, %delta : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  func.return
}

// -----

func.func @discretize_missing_method(%A: tensor<4x8xf32>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op property 'method' expected in operation 'ssm.discretize'
  %Abar, %Bbar = "ssm.discretize"(%A, %A, %delta) : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  func.return
}

// -----

func.func @discretize_A_rank(%A: tensor<8xf32>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op A must be a 2-D tensor (H x N), got tensor<8xf32>
  %Abar, %Bbar = ssm.discretize zoh %A, %A, %delta : (tensor<8xf32>, tensor<8xf32>, tensor<4xf32>) -> (tensor<8xf32>, tensor<8xf32>)
  func.return
}

// -----

func.func @discretize_A_dynamic(%A: tensor<?x8xf32>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op A must have a static shape, got tensor<?x8xf32>
  %Abar, %Bbar = ssm.discretize zoh %A, %A, %delta : (tensor<?x8xf32>, tensor<?x8xf32>, tensor<4xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>)
  func.return
}

// -----

func.func @discretize_A_empty(%A: tensor<0x8xf32>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op A must not have an empty dimension, got tensor<0x8xf32>
  %Abar, %Bbar = ssm.discretize zoh %A, %A, %delta : (tensor<0x8xf32>, tensor<0x8xf32>, tensor<4xf32>) -> (tensor<0x8xf32>, tensor<0x8xf32>)
  func.return
}

// -----

func.func @discretize_A_elements(%A: tensor<4x8xf16>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op A must have f32 or complex<f32> elements, got f16
  %Abar, %Bbar = ssm.discretize zoh %A, %A, %delta : (tensor<4x8xf16>, tensor<4x8xf16>, tensor<4xf32>) -> (tensor<4x8xf16>, tensor<4x8xf16>)
  func.return
}

// -----

func.func @discretize_A_not_a_tensor(%A: f32, %B: tensor<4x8xf32>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op operand 'A' at position 0 does not verify: f32 should be of base attribute tensor
  %Abar, %Bbar = "ssm.discretize"(%A, %B, %delta) <{method = "zoh"}> : (f32, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  func.return
}

// -----

func.func @discretize_B_rank(%A: tensor<4x8xf32>, %B: tensor<4x8x1xf32>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op B must be a 2-D tensor (H x N), got tensor<4x8x1xf32>
  %Abar, %Bbar = ssm.discretize zoh %A, %B, %delta : (tensor<4x8xf32>, tensor<4x8x1xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  func.return
}

// -----

func.func @discretize_mixed_elements(%A: tensor<4x8xcomplex<f32>>, %B: tensor<4x8xf32>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op A has complex<f32> elements but B has f32
  %Abar, %Bbar = ssm.discretize zoh %A, %B, %delta : (tensor<4x8xcomplex<f32>>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>)
  func.return
}

// -----

func.func @discretize_B_channels(%A: tensor<4x8xf32>, %B: tensor<5x8xf32>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op A has 4 channels but B has 5
  %Abar, %Bbar = ssm.discretize zoh %A, %B, %delta : (tensor<4x8xf32>, tensor<5x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  func.return
}

// -----

func.func @discretize_B_states(%A: tensor<4x8xf32>, %B: tensor<4x9xf32>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op A has 8 state columns but B has 9
  %Abar, %Bbar = ssm.discretize zoh %A, %B, %delta : (tensor<4x8xf32>, tensor<4x9xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  func.return
}

// -----

func.func @discretize_delta_rank(%A: tensor<4x8xf32>, %delta: tensor<4x1xf32>) {
  // CHECK: 'ssm.discretize' op delta must be a 1-D tensor (H), got tensor<4x1xf32>
  %Abar, %Bbar = ssm.discretize zoh %A, %A, %delta : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x1xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  func.return
}

// -----

func.func @discretize_delta_complex(%A: tensor<4x8xcomplex<f32>>, %delta: tensor<4xcomplex<f32>>) {
  // CHECK: 'ssm.discretize' op delta must have f32 elements, got complex<f32>
  %Abar, %Bbar = ssm.discretize zoh %A, %A, %delta : (tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xcomplex<f32>>) -> (tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>)
  func.return
}

// -----

func.func @discretize_delta_channels(%A: tensor<4x8xf32>, %delta: tensor<5xf32>) {
  // CHECK: 'ssm.discretize' op A has 4 channels but delta has 5
  %Abar, %Bbar = ssm.discretize zoh %A, %A, %delta : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<5xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  func.return
}

// -----

func.func @discretize_Abar_type(%A: tensor<4x8xcomplex<f32>>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op Abar has type tensor<4x8xf32> but must be tensor<4x8xcomplex<f32>> (the type of A)
  %Abar, %Bbar = ssm.discretize zoh %A, %A, %delta : (tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xcomplex<f32>>)
  func.return
}

// -----

func.func @discretize_Bbar_type(%A: tensor<4x8xf32>, %delta: tensor<4xf32>) {
  // CHECK: 'ssm.discretize' op Bbar has type tensor<4x7xf32> but must be tensor<4x8xf32> (the type of A)
  %Abar, %Bbar = ssm.discretize zoh %A, %A, %delta : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x7xf32>)
  func.return
}

// -----

func.func @scan_u_rank(%u: tensor<16xf32>, %Abar: tensor<4x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op u must be a 2-D tensor (L x H) or a batch of them (3-D, B x L x H), got tensor<16xf32>
  %y = ssm.scan %u, %Abar, %Abar, %Abar, %D : (tensor<16xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @scan_u_complex(%u: tensor<16x4xcomplex<f32>>, %Abar: tensor<4x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op u must have f32 elements, got complex<f32>
  %y = ssm.scan %u, %Abar, %Abar, %Abar, %D : (tensor<16x4xcomplex<f32>>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @scan_Abar_elements(%u: tensor<16x4xf32>, %Abar: tensor<4x8xf64>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op Abar must have f32 or complex<f32> elements, got f64
  %y = ssm.scan %u, %Abar, %Abar, %Abar, %D : (tensor<16x4xf32>, tensor<4x8xf64>, tensor<4x8xf64>, tensor<4x8xf64>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @scan_Abar_channels(%u: tensor<16x4xf32>, %Abar: tensor<5x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op u has 4 channels but Abar has 5
  %y = ssm.scan %u, %Abar, %Abar, %Abar, %D : (tensor<16x4xf32>, tensor<5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @scan_Bbar_rank(%u: tensor<16x4xf32>, %Abar: tensor<4x8xf32>, %Bbar: tensor<32xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op Bbar must be a 2-D tensor (H x N), got tensor<32xf32>
  %y = ssm.scan %u, %Abar, %Bbar, %Abar, %D : (tensor<16x4xf32>, tensor<4x8xf32>, tensor<32xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @scan_Bbar_elements(%u: tensor<16x4xf32>, %Abar: tensor<4x8xcomplex<f32>>, %Bbar: tensor<4x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op Abar has complex<f32> elements but Bbar has f32
  %y = ssm.scan %u, %Abar, %Bbar, %Abar, %D : (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xf32>, tensor<4x8xcomplex<f32>>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @scan_Bbar_channels(%u: tensor<16x4xf32>, %Abar: tensor<4x8xf32>, %Bbar: tensor<3x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op u has 4 channels but Bbar has 3
  %y = ssm.scan %u, %Abar, %Bbar, %Abar, %D : (tensor<16x4xf32>, tensor<4x8xf32>, tensor<3x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @scan_C_states(%u: tensor<16x4xf32>, %Abar: tensor<4x8xf32>, %C: tensor<4x9xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op Abar has 8 state columns but C has 9
  %y = ssm.scan %u, %Abar, %Abar, %C, %D : (tensor<16x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x9xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @scan_C_elements(%u: tensor<16x4xf32>, %Abar: tensor<4x8xf32>, %C: tensor<4x8xcomplex<f32>>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op Abar has f32 elements but C has complex<f32>
  %y = ssm.scan %u, %Abar, %Abar, %C, %D : (tensor<16x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xcomplex<f32>>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @scan_D_rank(%u: tensor<16x4xf32>, %Abar: tensor<4x8xf32>, %D: tensor<1x4xf32>) {
  // CHECK: 'ssm.scan' op D must be a 1-D tensor (H), got tensor<1x4xf32>
  %y = ssm.scan %u, %Abar, %Abar, %Abar, %D : (tensor<16x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<1x4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @scan_D_channels(%u: tensor<16x4xf32>, %Abar: tensor<4x8xf32>, %D: tensor<5xf32>) {
  // CHECK: 'ssm.scan' op u has 4 channels but D has 5
  %y = ssm.scan %u, %Abar, %Abar, %Abar, %D : (tensor<16x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<5xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @scan_y_type(%u: tensor<16x4xf32>, %Abar: tensor<4x8xcomplex<f32>>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op y has type tensor<16x4xcomplex<f32>> but must be tensor<16x4xf32> (L x H, like u)
  %y = ssm.scan %u, %Abar, %Abar, %Abar, %D : (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>) -> tensor<16x4xcomplex<f32>>
  func.return
}

// -----

// A batch is B sequences: every batched operand has the same B.
func.func @selective_scan_batches_differ(%u: tensor<2x16x4xf32>, %delta: tensor<3x16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<2x16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:8: error: 'ssm.selective_scan' op u has a batch of 2 but delta has a batch of 3
  %y = ssm.selective_scan %u, %delta, %A, %B, %B, %D : (tensor<2x16x4xf32>, tensor<3x16x4xf32>, tensor<4x8xf32>, tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<4xf32>) -> tensor<2x16x4xf32>
  func.return
}

// -----

func.func @selective_scan_batched_u_unbatched_B(%u: tensor<2x16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op u has a batch of 2 but B has no batch dimension
  %y = ssm.selective_scan %u, %u, %A, %B, %B, %D : (tensor<2x16x4xf32>, tensor<2x16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<2x16x4xf32>
  func.return
}

// -----

func.func @selective_scan_state_without_batch(%u: tensor<2x16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<2x16x8xf32>, %D: tensor<4xf32>, %x0: tensor<4x8xf32>) {
  // CHECK: 'ssm.selective_scan' op x0 has type tensor<4x8xf32> but must be tensor<2x4x8xf32> (H x N from A, per sequence)
  %y, %x = ssm.selective_scan %u, %u, %A, %B, %B, %D state %x0 : (tensor<2x16x4xf32>, tensor<2x16x4xf32>, tensor<4x8xf32>, tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<4xf32>, tensor<4x8xf32>) -> tensor<2x16x4xf32>, tensor<4x8xf32>
  func.return
}

// -----

// Parameters stay unbatched.
func.func @scan_batched_parameters(%u: tensor<2x16x4xf32>, %Abar: tensor<2x4x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op Abar must be a 2-D tensor (H x N), got tensor<2x4x8xf32>
  %y = ssm.scan %u, %Abar, %Abar, %Abar, %D : (tensor<2x16x4xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<4xf32>) -> tensor<2x16x4xf32>
  func.return
}

// -----

func.func @selective_scan_u_rank(%u: tensor<16x4x1x1xf32>, %delta: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op u must be a 2-D tensor (L x H) or a batch of them (3-D, B x L x H), got tensor<16x4x1x1xf32>
  %y = ssm.selective_scan %u, %delta, %A, %B, %B, %D : (tensor<16x4x1x1xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_delta_steps(%u: tensor<16x4xf32>, %delta: tensor<15x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op u has 16 steps but delta has 15
  %y = ssm.selective_scan %u, %delta, %A, %B, %B, %D : (tensor<16x4xf32>, tensor<15x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_delta_channels(%u: tensor<16x4xf32>, %delta: tensor<16x5xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op u has 4 channels but delta has 5
  %y = ssm.selective_scan %u, %delta, %A, %B, %B, %D : (tensor<16x4xf32>, tensor<16x5xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_A_complex(%u: tensor<16x4xf32>, %A: tensor<4x8xcomplex<f32>>, %B: tensor<16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op A must have f32 elements, got complex<f32>
  %y = ssm.selective_scan %u, %u, %A, %B, %B, %D : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_A_channels(%u: tensor<16x4xf32>, %A: tensor<5x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op u has 4 channels but A has 5
  %y = ssm.selective_scan %u, %u, %A, %B, %B, %D : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<5x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_B_steps(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<15x8xf32>, %C: tensor<16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op u has 16 steps but B has 15
  %y = ssm.selective_scan %u, %u, %A, %B, %C, %D : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<15x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_B_states(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x7xf32>, %C: tensor<16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op A has 8 state columns but B has 7
  %y = ssm.selective_scan %u, %u, %A, %B, %C, %D : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x7xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_C_rank(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %C: tensor<8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op C must be a 2-D tensor (L x N) or a batch of them (3-D, B x L x N), got tensor<8xf32>
  %y = ssm.selective_scan %u, %u, %A, %B, %C, %D : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_C_steps(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %C: tensor<17x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op u has 16 steps but C has 17
  %y = ssm.selective_scan %u, %u, %A, %B, %C, %D : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<17x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_C_states(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %C: tensor<16x9xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op A has 8 state columns but C has 9
  %y = ssm.selective_scan %u, %u, %A, %B, %C, %D : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x9xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_D_channels(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<3xf32>) {
  // CHECK: 'ssm.selective_scan' op u has 4 channels but D has 3
  %y = ssm.selective_scan %u, %u, %A, %B, %B, %D : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<3xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_z_rank(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>, %z: tensor<64xf32>) {
  // CHECK: 'ssm.selective_scan' op z must be a 2-D tensor (L x H) or a batch of them (3-D, B x L x H), got tensor<64xf32>
  %y = ssm.selective_scan %u, %u, %A, %B, %B, %D, %z : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<64xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_z_steps(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>, %z: tensor<8x4xf32>) {
  // CHECK: 'ssm.selective_scan' op u has 16 steps but z has 8
  %y = ssm.selective_scan %u, %u, %A, %B, %B, %D, %z : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<8x4xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_z_channels(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>, %z: tensor<16x8xf32>) {
  // CHECK: 'ssm.selective_scan' op u has 4 channels but z has 8
  %y = ssm.selective_scan %u, %u, %A, %B, %B, %D, %z : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<16x8xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

func.func @selective_scan_y_type(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op y has type tensor<16x8xf32> but must be tensor<16x4xf32> (L x H, like u)
  %y = ssm.selective_scan %u, %u, %A, %B, %B, %D : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x8xf32>
  func.return
}

// -----

func.func @selective_scan_flag_type(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.selective_scan' op Expected attribute i1 but got i64
  %y = "ssm.selective_scan"(%u, %u, %A, %B, %B, %D) <{delta_softplus = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0>}> : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return
}


// -----

func.func @selective_scan_state_shape(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>, %x0: tensor<8x4xf32>) {
  // CHECK: 'ssm.selective_scan' op x0 has type tensor<8x4xf32> but must be tensor<4x8xf32> (H x N from A, per sequence)
  %y, %x = ssm.selective_scan %u, %u, %A, %B, %B, %D state %x0 : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<8x4xf32>) -> tensor<16x4xf32>, tensor<8x4xf32>
  func.return
}

// -----

func.func @selective_scan_state_without_result(%u: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %D: tensor<4xf32>, %x0: tensor<4x8xf32>) {
  // CHECK: 'ssm.selective_scan' op x0 and x_last come together: the state in and the state out
  %y = "ssm.selective_scan"(%u, %u, %A, %B, %B, %D, %x0) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 1>}> : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<4x8xf32>) -> tensor<16x4xf32>
  func.return
}

// -----

// The state has Abar's element type (complex here) and shape.
func.func @scan_state_type(%u: tensor<16x4xf32>, %Abar: tensor<4x8xcomplex<f32>>, %D: tensor<4xf32>, %s0: tensor<4x8xf32>) {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:12: error: 'ssm.scan' op s0 has type tensor<4x8xf32> but must be tensor<4x8xcomplex<f32>> (H x N of Abar's type, per sequence)
  %y, %s = ssm.scan %u, %Abar, %Abar, %Abar, %D state %s0 : (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>, tensor<4x8xf32>) -> (tensor<16x4xf32>, tensor<4x8xf32>)
  func.return
}

// -----

func.func @scan_state_without_result(%u: tensor<16x4xf32>, %Abar: tensor<4x8xf32>, %D: tensor<4xf32>) {
  // CHECK: 'ssm.scan' op s0 and s_last come together: the state in and the state out
  %y = "ssm.scan"(%u, %Abar, %Abar, %Abar, %D, %Abar) : (tensor<16x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4x8xf32>) -> tensor<16x4xf32>
  func.return
}
