// Coefficients computed at run time: ssm.discretize of run-time operands lowered to DMA and
// vector instructions, real run-time planes widened to complex for ProDF, and complex run-time
// planes split into f32 rows for the conventional recurrent mode (docs/compiler.md).
// RUN: epoch opt %s --split-input-file -p 'ssm-discretize,epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic' | filecheck %s
// RUN: epoch opt %s --split-input-file -p 'ssm-discretize,epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=ws}' | filecheck %s --check-prefix=WS

// zoh of complex planes: delta becomes the complex column delta + 0i (one-word DMA loads into
// an H x 2 f32 buffer of zeros, one word copy), then per tile dA = cmul by the column
// broadcast, Abar = cexp, and Abar - 1 on the real words (copy out, sub [1, 0, ...], copy back).
// CHECK-LABEL: func.func @zoh_complex
// CHECK:        %abar = systolic.alloc_dram : !systolic.dram<3x2xcomplex<f32>>
// CHECK-NEXT:   %bbar = systolic.alloc_dram : !systolic.dram<3x2xcomplex<f32>>
// CHECK-NEXT:   %delta_zeros = systolic.constant dense<0.000000e+00> : tensor<3x2xf32>
// CHECK-NEXT:   %delta_words = systolic.alloc : !systolic.sram<weight, 3x2xf32>
// CHECK-NEXT:   systolic.load %delta_zeros[0, 0] -> %delta_words[0, 0] sizes [3, 2]
// CHECK-NEXT:   systolic.chunk_loop 3 estimated_cycles 3 {
// CHECK-NEXT:     systolic.load %delta[0, 0] step [0, 1] -> %delta_words[0, 0] step [1, 0] sizes [1, 1]
// CHECK-NEXT:   }
// CHECK-NEXT:   %delta_col = systolic.alloc : !systolic.sram<weight, 3x1xcomplex<f32>>
// CHECK-NEXT:   systolic.vector copy %delta_words[0, 0] -> %delta_col[0, 0] sizes [3, 2] : !systolic.sram<weight, 3x2xf32>, !systolic.sram<weight, 3x1xcomplex<f32>>
// CHECK:        %ones_re_values = systolic.constant dense<{{\[\[}}1.000000e+00, 0.000000e+00, 1.000000e+00, 0.000000e+00]]> : tensor<1x4xf32>
// CHECK:        systolic.load %a[0, 0] -> %a0[0, 0] sizes [3, 2]
// CHECK-NEXT:   systolic.load %b[0, 0] -> %b0[0, 0] sizes [3, 2]
// CHECK-NEXT:   systolic.vector cmul %a0[0, 0], %delta_col[0, 0] bcast col -> %abar0[0, 0] sizes [3, 2]
// CHECK-NEXT:   systolic.vector cexp %abar0[0, 0] -> %abar0[0, 0] sizes [3, 2]
// CHECK-NEXT:   systolic.vector copy %abar0[0, 0] -> %w0[0, 0] sizes [3, 4]
// CHECK-NEXT:   systolic.vector sub %w0[0, 0], %ones_re[0, 0] bcast row -> %w0[0, 0] sizes [3, 4]
// CHECK-NEXT:   systolic.vector copy %w0[0, 0] -> %t[0, 0] sizes [3, 4]
// CHECK-NEXT:   systolic.vector cdiv %t[0, 0], %a0[0, 0] -> %t[0, 0] sizes [3, 2]
// CHECK-NEXT:   systolic.vector cmul %t[0, 0], %b0[0, 0] -> %bbar0[0, 0] sizes [3, 2]
// CHECK-NEXT:   systolic.store %abar0[0, 0] -> %abar[0, 0] sizes [3, 2]
// CHECK-NEXT:   systolic.store %bbar0[0, 0] -> %bbar[0, 0] sizes [3, 2]
func.func @zoh_complex(%a: tensor<3x2xcomplex<f32>>, %b: tensor<3x2xcomplex<f32>>, %delta: tensor<3xf32>) -> (tensor<3x2xcomplex<f32>>, tensor<3x2xcomplex<f32>>) {
  %abar, %bbar = ssm.discretize zoh %a, %b, %delta : (tensor<3x2xcomplex<f32>>, tensor<3x2xcomplex<f32>>, tensor<3xf32>) -> (tensor<3x2xcomplex<f32>>, tensor<3x2xcomplex<f32>>)
  func.return %abar, %bbar : tensor<3x2xcomplex<f32>>, tensor<3x2xcomplex<f32>>
}

// -----

// bilinear of real planes: the f32 column of delta, and addi/muli for 1 +- dA/2.
// CHECK-LABEL: func.func @bilinear_real
// CHECK:        %delta_col = systolic.alloc : !systolic.sram<weight, 2x1xf32>
// CHECK-NEXT:   systolic.chunk_loop 2 estimated_cycles 2 {
// CHECK-NEXT:     systolic.load %delta[0, 0] step [0, 1] -> %delta_col[0, 0] step [1, 0] sizes [1, 1]
// CHECK-NEXT:   }
// CHECK:        systolic.vector mul %a0[0, 0], %delta_col[0, 0] bcast col -> %t[0, 0] sizes [2, 3]
// CHECK-NEXT:   systolic.vector muli %t[0, 0] -> %t[0, 0] sizes [2, 3] imm 5.000000e-01
// CHECK-NEXT:   systolic.vector addi %t[0, 0] -> %abar0[0, 0] sizes [2, 3] imm 1.000000e+00
// CHECK-NEXT:   systolic.vector muli %t[0, 0] -> %t[0, 0] sizes [2, 3] imm -1.000000e+00
// CHECK-NEXT:   systolic.vector addi %t[0, 0] -> %t[0, 0] sizes [2, 3] imm 1.000000e+00
// CHECK-NEXT:   systolic.vector div %abar0[0, 0], %t[0, 0] -> %abar0[0, 0] sizes [2, 3]
// CHECK-NEXT:   systolic.vector mul %b0[0, 0], %delta_col[0, 0] bcast col -> %bbar0[0, 0] sizes [2, 3]
// CHECK-NEXT:   systolic.vector div %bbar0[0, 0], %t[0, 0] -> %bbar0[0, 0] sizes [2, 3]
func.func @bilinear_real(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>, %delta: tensor<2xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %abar, %bbar = ssm.discretize bilinear %a, %b, %delta : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  func.return %abar, %bbar : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Constant operands still fold at compile time (ssm-discretize): no vector work.
// CHECK-LABEL: func.func @euler_constants
// CHECK-NOT:    systolic.vector
// CHECK:        func.return
func.func @euler_constants() -> (tensor<1x1xf32>, tensor<1x1xf32>) {
  %a = arith.constant dense<-1.0> : tensor<1x1xf32>
  %delta = arith.constant dense<0.5> : tensor<1xf32>
  %abar, %bbar = ssm.discretize euler %a, %a, %delta : (tensor<1x1xf32>, tensor<1x1xf32>, tensor<1xf32>) -> (tensor<1x1xf32>, tensor<1x1xf32>)
  func.return %abar, %bbar : tensor<1x1xf32>, tensor<1x1xf32>
}

// -----

// ProDF widens a real plane known at run time once (here passed as Abar, Bbar and C): column n
// of the plane goes to word column 2n of a zeroed f32 buffer, whose words are copied into a
// complex tile and stored; the fold's coefficient block loads the widened tensor.
// CHECK-LABEL: func.func @prodf_real_runtime
// CHECK:        %widened = systolic.alloc_dram : !systolic.dram<2x3xcomplex<f32>>
// CHECK-NEXT:   %zeros = systolic.constant dense<0.000000e+00> : tensor<2x6xf32>
// CHECK-NEXT:   %spread = systolic.alloc : !systolic.sram<weight, 2x6xf32>
// CHECK-NEXT:   systolic.load %zeros[0, 0] -> %spread[0, 0] sizes [2, 6]
// CHECK-NEXT:   %widened_tile = systolic.alloc : !systolic.sram<weight, 2x3xcomplex<f32>>
// CHECK-NEXT:   systolic.chunk_loop 3 estimated_cycles 3 {
// CHECK-NEXT:     systolic.load %a[0, 0] step [0, 1] -> %spread[0, 0] step [0, 2] sizes [2, 1] : !systolic.dram<2x3xf32>, !systolic.sram<weight, 2x6xf32>
// CHECK-NEXT:   }
// CHECK-NEXT:   systolic.vector copy %spread[0, 0] -> %widened_tile[0, 0] sizes [2, 6] : !systolic.sram<weight, 2x6xf32>, !systolic.sram<weight, 2x3xcomplex<f32>>
// CHECK-NEXT:   systolic.store %widened_tile[0, 0] -> %widened[0, 0] sizes [2, 3]
// CHECK-NOT:    %widened_1
// CHECK:        systolic.configure <lima, prodf, seg 3>
// CHECK-NEXT:     systolic.alloc_coefficients
// CHECK-NEXT:     systolic.load %widened[0, 0] -> %abar_h0_n0[0, 0] sizes [2, 3]
// CHECK-NEXT:     systolic.load %widened[0, 0] -> %bbar_h0_n0[0, 0] sizes [2, 3]
// CHECK-NEXT:     systolic.load %widened[0, 0] -> %c_h0_n0[0, 0] sizes [2, 3]
func.func @prodf_real_runtime(%u: tensor<8x2xf32>, %a: tensor<2x3xf32>, %d: tensor<2xf32>) -> tensor<8x2xf32> {
  %y = ssm.scan %u, %a, %a, %a, %d : (tensor<8x2xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<8x2xf32>
  func.return %y : tensor<8x2xf32>
}

// -----

// The recurrent mode splits a complex plane known at run time: its words (H x 2N f32, copied
// from the loaded complex plane) are transposed against selection matrices that pick the real
// or imaginary word of each mode, with a sign: A1 = [Re a; Re a], A2 = [-Im a; Im a]. C is a
// constant: its stacked plane is folded at compile time.
// WS-LABEL: func.func @ws_complex_runtime
// WS:           %c2_values = systolic.constant
// WS:           %select_minus_im_values = systolic.constant dense<{{\[\[}}0.000000e+00, -1.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, -1.000000e+00]]> : tensor<2x4xf32>
// WS:           %select_re_values = systolic.constant dense<{{\[\[}}1.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 1.000000e+00, 0.000000e+00]]> : tensor<2x4xf32>
// WS:           systolic.load %a[0, 0] -> %abar_hn[0, 0] sizes [2, 3]
// WS-NEXT:      %abar_words = systolic.alloc : !systolic.sram<weight, 2x6xf32>
// WS-NEXT:      systolic.vector copy %abar_hn[0, 0] -> %abar_words[0, 0] sizes [2, 6] : !systolic.sram<weight, 2x3xcomplex<f32>>, !systolic.sram<weight, 2x6xf32>
// WS-NEXT:      systolic.configure <mac, ws> {
// WS-NEXT:        systolic.preload_tile %abar_words[0, 0] sizes [2, 4] transpose -> slot 0
// WS-NEXT:        systolic.matmul_tile a %select_re[0, 0] slot 0 -> %a1[0, 0] m 2 n 2 k 4
// WS-NEXT:        systolic.matmul_tile a %select_re[0, 0] slot 0 -> %a1[3, 0] m 2 n 2 k 4
// WS-NEXT:        systolic.matmul_tile a %select_minus_im[0, 0] slot 0 -> %a2[0, 0] m 2 n 2 k 4
// WS-NEXT:        systolic.matmul_tile a %select_im[0, 0] slot 0 -> %a2[3, 0] m 2 n 2 k 4
// WS-NEXT:        systolic.preload_tile %abar_words[0, 4] sizes [2, 2] transpose -> slot 1
// WS-NEXT:        systolic.matmul_tile a %select_re[0, 0] slot 1 -> %a1[2, 0] m 1 n 2 k 2
// WS:           systolic.vector copy %bbar_hn[0, 0] -> %bbar_words[0, 0] sizes [2, 6]
// WS:           systolic.matmul_tile a %select_im[0, 0] slot 0 -> %b2[3, 0] m 2 n 2 k 4
// WS-NOT:       %c_hn
// WS:           systolic.chunk_loop
func.func @ws_complex_runtime(%u: tensor<8x2xf32>, %a: tensor<2x3xcomplex<f32>>, %d: tensor<2xf32>) -> tensor<8x2xf32> {
  %c = arith.constant dense<(1.0,2.0)> : tensor<2x3xcomplex<f32>>
  %y = ssm.scan %u, %a, %a, %c, %d : (tensor<8x2xf32>, tensor<2x3xcomplex<f32>>, tensor<2x3xcomplex<f32>>, tensor<2x3xcomplex<f32>>, tensor<2xf32>) -> tensor<8x2xf32>
  func.return %y : tensor<8x2xf32>
}
