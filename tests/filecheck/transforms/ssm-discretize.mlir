// ssm-discretize folds ssm.discretize of constant A, B, delta into constants Abar, Bbar (SPEC's
// zoh, bilinear and euler formulas, in float64); one of run-time operands stays for
// convert-ssm-to-systolic to lower on chip.
// RUN: epoch opt %s --split-input-file -p ssm-discretize | filecheck %s

// zoh with A = -1, B = 1, delta = 0.5: Abar = exp(-0.5), Bbar = (Abar - 1) / A * B
// CHECK-LABEL: func.func @zoh
// CHECK-NOT: ssm.discretize
// CHECK: %abar = arith.constant dense<0.606530666> : tensor<1x1xf32>
// CHECK-NEXT: %bbar = arith.constant dense<0.393469334> : tensor<1x1xf32>
func.func @zoh() -> (tensor<1x1xf32>, tensor<1x1xf32>) {
  %a = arith.constant dense<-1.0> : tensor<1x1xf32>
  %b = arith.constant dense<1.0> : tensor<1x1xf32>
  %delta = arith.constant dense<0.5> : tensor<1xf32>
  %abar, %bbar = ssm.discretize zoh %a, %b, %delta : (tensor<1x1xf32>, tensor<1x1xf32>, tensor<1xf32>) -> (tensor<1x1xf32>, tensor<1x1xf32>)
  func.return %abar, %bbar : tensor<1x1xf32>, tensor<1x1xf32>
}

// -----

// euler: Abar = 1 + delta * A, Bbar = delta * B
// CHECK-LABEL: func.func @euler
// CHECK-NOT: ssm.discretize
// CHECK: arith.constant dense<5.000000e-01> : tensor<1x1xf32>
// CHECK: arith.constant dense<1.000000e+00> : tensor<1x1xf32>
func.func @euler() -> (tensor<1x1xf32>, tensor<1x1xf32>) {
  %a = arith.constant dense<-1.0> : tensor<1x1xf32>
  %b = arith.constant dense<2.0> : tensor<1x1xf32>
  %delta = arith.constant dense<0.5> : tensor<1xf32>
  %abar, %bbar = ssm.discretize euler %a, %b, %delta : (tensor<1x1xf32>, tensor<1x1xf32>, tensor<1xf32>) -> (tensor<1x1xf32>, tensor<1x1xf32>)
  func.return %abar, %bbar : tensor<1x1xf32>, tensor<1x1xf32>
}

// -----

// A run-time delta: the op stays.
// CHECK-LABEL: func.func @runtime
// CHECK: ssm.discretize bilinear
func.func @runtime(%delta: tensor<1xf32>) -> (tensor<1x1xf32>, tensor<1x1xf32>) {
  %a = arith.constant dense<-1.0> : tensor<1x1xf32>
  %b = arith.constant dense<1.0> : tensor<1x1xf32>
  %abar, %bbar = ssm.discretize bilinear %a, %b, %delta : (tensor<1x1xf32>, tensor<1x1xf32>, tensor<1xf32>) -> (tensor<1x1xf32>, tensor<1x1xf32>)
  func.return %abar, %bbar : tensor<1x1xf32>, tensor<1x1xf32>
}
