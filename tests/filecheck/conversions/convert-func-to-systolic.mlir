// convert-func-to-systolic: the entry's tensors and dense constants move to DRAM, bridged to the
// ops still at the tensor level by unrealized casts; the module gets the verifiers' target.
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p 'epoch-set-machine{hw=tiny},convert-func-to-systolic' | filecheck %s
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p 'convert-func-to-systolic' | filecheck %s --check-prefix=NOMACHINE

// CHECK: systolic.target = #systolic.target<"tiny"
// CHECK-LABEL: func.func @main(%x: !systolic.dram<8x4xf32>) -> !systolic.dram<8x4xf32> {
// CHECK-NEXT: %x_1 = builtin.unrealized_conversion_cast %x : !systolic.dram<8x4xf32> to tensor<8x4xf32>
// CHECK-NEXT: %c = systolic.constant dense<1.000000e+00> : tensor<8x4xf32>
// CHECK-NEXT: %c_1 = builtin.unrealized_conversion_cast %c : !systolic.dram<8x4xf32> to tensor<8x4xf32>
// CHECK-NEXT: %y = nn.add %x_1, %c_1 : tensor<8x4xf32>
// CHECK-NEXT: %0 = builtin.unrealized_conversion_cast %y : tensor<8x4xf32> to !systolic.dram<8x4xf32>
// CHECK-NEXT: func.return %0 : !systolic.dram<8x4xf32>
// NOMACHINE: error: 'builtin.module' op the module names no machine: run epoch-set-machine{hw=...} first
func.func @main(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %c = arith.constant dense<1.0> : tensor<8x4xf32>
  %y = nn.add %x, %c : tensor<8x4xf32>
  func.return %y : tensor<8x4xf32>
}

// -----

// A tensor larger than the machine's DRAM is refused before any lowering works on it.
// CHECK: error: 'func.func' op a 8192x8192 tensor needs 67108864 words of DRAM, more than the 16777216 words of machine 'tiny'
// NOMACHINE: the module names no machine
func.func @huge(%x: tensor<8192x8192xf32>) -> tensor<8192x8192xf32> {
  func.return %x : tensor<8192x8192xf32>
}
