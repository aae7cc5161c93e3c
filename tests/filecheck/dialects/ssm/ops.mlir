// Every ssm op in its custom syntax, with every optional part present and absent.
// RUN: EPOCH_ROUNDTRIP
// Custom -> custom and custom -> generic -> custom must print identical text:
// RUN: epoch opt %s --split-input-file > %t
// RUN: epoch opt %t --split-input-file | diff %t -
// RUN: epoch opt %s --split-input-file --print-op-generic | epoch opt --split-input-file | diff %t -
// RUN: epoch opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @discretize_zoh_complex
// GENERIC-LABEL: "func.func"() <{sym_name = "discretize_zoh_complex"
func.func @discretize_zoh_complex(%A: tensor<4x8xcomplex<f32>>, %B: tensor<4x8xcomplex<f32>>, %delta: tensor<4xf32>) -> (tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>) {
  // CHECK-NEXT: %Abar, %Bbar = ssm.discretize zoh %A, %B, %delta : (tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>) -> (tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>)
  // GENERIC: %Abar, %Bbar = "ssm.discretize"(%A, %B, %delta) <{method = "zoh"}> : (tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>) -> (tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>)
  %Abar, %Bbar = ssm.discretize zoh %A, %B, %delta : (tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>) -> (tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>)
  func.return %Abar, %Bbar : tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>
}

// A quoted method is accepted and printed as a bare word.
// CHECK-LABEL: func.func @discretize_real
func.func @discretize_real(%A: tensor<4x8xf32>, %B: tensor<4x8xf32>, %delta: tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  // CHECK-NEXT: %Abar, %Bbar = ssm.discretize bilinear %A, %B, %delta : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  // CHECK-NEXT: %Ae, %Be = ssm.discretize euler %A, %B, %delta {note = "forward"} : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  %Abar, %Bbar = ssm.discretize "bilinear" %A, %B, %delta : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  %Ae, %Be = ssm.discretize euler %A, %B, %delta {note = "forward"} : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  func.return %Abar, %Bbar, %Ae, %Be : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @scan
func.func @scan(%u: tensor<16x4xf32>, %Abar: tensor<4x8xcomplex<f32>>, %Bbar: tensor<4x8xcomplex<f32>>, %C: tensor<4x8xcomplex<f32>>, %D: tensor<4xf32>) -> tensor<16x4xf32> {
  // CHECK-NEXT: %y = ssm.scan %u, %Abar, %Bbar, %C, %D : (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>) -> tensor<16x4xf32>
  // GENERIC: %y = "ssm.scan"(%u, %Abar, %Bbar, %C, %D) : (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>) -> tensor<16x4xf32>
  %y = ssm.scan %u, %Abar, %Bbar, %C, %D : (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return %y : tensor<16x4xf32>
}

// CHECK-LABEL: func.func @scan_real
func.func @scan_real(%u: tensor<16x4xf32>, %Abar: tensor<4x8xf32>, %D: tensor<4xf32>) -> tensor<16x4xf32> {
  // CHECK-NEXT: %y = ssm.scan %u, %Abar, %Abar, %Abar, %D : (tensor<16x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  %y = ssm.scan %u, %Abar, %Abar, %Abar, %D : (tensor<16x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return %y : tensor<16x4xf32>
}

// The state in and out (one optional operand: the generic form needs no operandSegmentSizes),
// and a batch of three sequences with their states.
// CHECK-LABEL: func.func @scan_state
func.func @scan_state(%u: tensor<16x4xf32>, %Abar: tensor<4x8xcomplex<f32>>, %D: tensor<4xf32>, %s0: tensor<4x8xcomplex<f32>>, %ub: tensor<3x16x4xf32>, %sb: tensor<3x4x8xcomplex<f32>>) -> (tensor<4x8xcomplex<f32>>, tensor<3x4x8xcomplex<f32>>) {
  // CHECK-NEXT: %y, %s = ssm.scan %u, %Abar, %Abar, %Abar, %D state %s0 : (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>, tensor<4x8xcomplex<f32>>) -> (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>)
  // GENERIC: %y, %s = "ssm.scan"(%u, %Abar, %Abar, %Abar, %D, %s0) : (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>, tensor<4x8xcomplex<f32>>) -> (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>)
  // CHECK-NEXT: %yb, %lb = ssm.scan %ub, %Abar, %Abar, %Abar, %D state %sb : (tensor<3x16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>, tensor<3x4x8xcomplex<f32>>) -> (tensor<3x16x4xf32>, tensor<3x4x8xcomplex<f32>>)
  %y, %s = ssm.scan %u, %Abar, %Abar, %Abar, %D state %s0 : (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>, tensor<4x8xcomplex<f32>>) -> (tensor<16x4xf32>, tensor<4x8xcomplex<f32>>)
  %yb, %lb = ssm.scan %ub, %Abar, %Abar, %Abar, %D state %sb : (tensor<3x16x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>, tensor<3x4x8xcomplex<f32>>) -> (tensor<3x16x4xf32>, tensor<3x4x8xcomplex<f32>>)
  func.return %s, %lb : tensor<4x8xcomplex<f32>>, tensor<3x4x8xcomplex<f32>>
}

// CHECK-LABEL: func.func @selective_scan
func.func @selective_scan(%u: tensor<16x4xf32>, %delta: tensor<16x4xf32>, %A: tensor<4x8xf32>, %B: tensor<16x8xf32>, %C: tensor<16x8xf32>, %D: tensor<4xf32>, %z: tensor<16x4xf32>) -> (tensor<16x4xf32>, tensor<16x4xf32>, tensor<16x4xf32>) {
  // CHECK-NEXT: %y = ssm.selective_scan %u, %delta, %A, %B, %C, %D : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  // GENERIC: %y = "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0>, delta_softplus = false}>
  %y = ssm.selective_scan %u, %delta, %A, %B, %C, %D : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  // CHECK-NEXT: %gated = ssm.selective_scan %u, %delta, %A, %B, %C, %D, %z delta_softplus : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<16x4xf32>) -> tensor<16x4xf32>
  // GENERIC: %gated = "ssm.selective_scan"(%u, %delta, %A, %B, %C, %D, %z) <{delta_softplus = true, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0>}>
  %gated = ssm.selective_scan %u, %delta, %A, %B, %C, %D, %z delta_softplus : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>, tensor<16x4xf32>) -> tensor<16x4xf32>
  // CHECK-NEXT: %softplus_only = ssm.selective_scan %u, %delta, %A, %B, %C, %D delta_softplus : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  %softplus_only = ssm.selective_scan %u, %delta, %A, %B, %C, %D delta_softplus : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return %y, %gated, %softplus_only : tensor<16x4xf32>, tensor<16x4xf32>, tensor<16x4xf32>
}

// -----

// The generic form parses, defaulted properties may be left out, and the custom printer
// elides them.
// CHECK-LABEL: func.func @generic_input
func.func @generic_input(%u: tensor<2x3xf32>, %A: tensor<3x5xf32>, %B: tensor<2x5xf32>, %D: tensor<3xf32>) -> tensor<2x3xf32> {
  // CHECK-NEXT: %y = ssm.selective_scan %u, %u, %A, %B, %B, %D : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<3x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %y = "ssm.selective_scan"(%u, %u, %A, %B, %B, %D) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0>}> : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<3x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}
