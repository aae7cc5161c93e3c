// ProDF lowering of ssm.scan on the `small` machine (8 rows x 4 columns of LIMA-PEs): channel
// packing, mode folds, channel folds, and real constant coefficients. Each sequence fits one
// chunk here (fixed at 16 steps; the cost model's own choice is tested in
// tests/conversions/test_convert_ssm_to_systolic.py).
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{chunk=16}' | filecheck %s

// N = 4 < 8 rows: segments of 4 rows, two channels per column, so one fold holds all 8 channels.
// CHECK-LABEL: func.func @packing
// CHECK:        %y = systolic.alloc_dram : !systolic.dram<16x8xf32>
// CHECK-NEXT:   %u0 = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK-NEXT:   %y0 = systolic.alloc : !systolic.sram<output, 16x8xf32>
// CHECK-NEXT:   systolic.configure <lima, prodf, seg 4> attributes {ssm.mode = "prodf"} {
// CHECK-NEXT:     %abar_h0_n0, %bbar_h0_n0, %c_h0_n0, %d_h0_n0 = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
// CHECK-NEXT:     systolic.load %a[0, 0] -> %abar_h0_n0[0, 0] sizes [8, 4]
// CHECK-NEXT:     systolic.load %b[0, 0] -> %bbar_h0_n0[0, 0] sizes [8, 4]
// CHECK-NEXT:     systolic.load %c[0, 0] -> %c_h0_n0[0, 0] sizes [8, 4]
// CHECK-NEXT:     systolic.load %d[0, 0] -> %d_h0_n0[0, 0] sizes [1, 8]
// CHECK-NEXT:     systolic.preload_coefficients %abar_h0_n0, %bbar_h0_n0, %c_h0_n0, %d_h0_n0 -> slot 0
// CHECK-NEXT:     systolic.load %u[0, 0] -> %u0[0, 0] sizes [16, 8]
// CHECK-NEXT:     systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [16, 8] slot 0 reset :
// CHECK-NEXT:     systolic.store %y0[0, 0] -> %y[0, 0] sizes [16, 8]
// CHECK-NEXT:   }
// CHECK-NEXT:   %{{.*}} = builtin.unrealized_conversion_cast %y : !systolic.dram<16x8xf32> to tensor<16x8xf32>
func.func @packing(%u: tensor<16x8xf32>, %a: tensor<8x4xcomplex<f32>>, %b: tensor<8x4xcomplex<f32>>, %c: tensor<8x4xcomplex<f32>>, %d: tensor<8xf32>) -> tensor<16x8xf32> {
  %y = ssm.scan %u, %a, %b, %c, %d : (tensor<16x8xf32>, tensor<8x4xcomplex<f32>>, tensor<8x4xcomplex<f32>>, tensor<8x4xcomplex<f32>>, tensor<8xf32>) -> tensor<16x8xf32>
  func.return %y : tensor<16x8xf32>
}

// -----

// N = 12 > 8 rows: two mode folds over whole columns (8 then 4 modes). The second carries zeros
// for D, reloads the outputs the first stored and accumulates onto them, from a reset state.
// CHECK-LABEL: func.func @mode_folds
// CHECK:        %zeros = systolic.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK:        systolic.configure <lima, prodf> attributes {ssm.mode = "prodf"} {
// CHECK-NEXT:     %abar_h0_n0, %bbar_h0_n0, %c_h0_n0, %d_h0_n0 = systolic.alloc_coefficients : !systolic.sram<weight, 4x8xcomplex<f32>>, !systolic.sram<weight, 4xf32>
// CHECK-NEXT:     systolic.load %a[0, 0] -> %abar_h0_n0[0, 0] sizes [4, 8]
// CHECK:          systolic.load %d[0, 0] -> %d_h0_n0[0, 0] sizes [1, 4]
// CHECK-NEXT:     systolic.preload_coefficients %abar_h0_n0, %bbar_h0_n0, %c_h0_n0, %d_h0_n0 -> slot 0
// CHECK-NEXT:     systolic.load %u[0, 0] -> %u0[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [16, 4] slot 0 reset :
// CHECK-NEXT:     systolic.store %y0[0, 0] -> %y[0, 0] sizes [16, 4]
// CHECK-NEXT:     %abar_h0_n8, %bbar_h0_n8, %c_h0_n8, %d_h0_n8 = systolic.alloc_coefficients : !systolic.sram<weight, 4x4xcomplex<f32>>, !systolic.sram<weight, 4xf32>
// CHECK-NEXT:     systolic.load %a[0, 8] -> %abar_h0_n8[0, 0] sizes [4, 4]
// CHECK-NEXT:     systolic.load %b[0, 8] -> %bbar_h0_n8[0, 0] sizes [4, 4]
// CHECK-NEXT:     systolic.load %c[0, 8] -> %c_h0_n8[0, 0] sizes [4, 4]
// CHECK-NEXT:     systolic.load %zeros[0, 0] -> %d_h0_n8[0, 0] sizes [1, 4]
// CHECK-NEXT:     systolic.preload_coefficients %abar_h0_n8, %bbar_h0_n8, %c_h0_n8, %d_h0_n8 -> slot 1
// CHECK-NEXT:     systolic.load %u[0, 0] -> %u0[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.load %y[0, 0] -> %y0[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [16, 4] slot 1 reset accumulate :
// CHECK-NEXT:     systolic.store %y0[0, 0] -> %y[0, 0] sizes [16, 4]
// CHECK-NEXT:   }
func.func @mode_folds(%u: tensor<16x4xf32>, %a: tensor<4x12xcomplex<f32>>, %b: tensor<4x12xcomplex<f32>>, %c: tensor<4x12xcomplex<f32>>, %d: tensor<4xf32>) -> tensor<16x4xf32> {
  %y = ssm.scan %u, %a, %b, %c, %d : (tensor<16x4xf32>, tensor<4x12xcomplex<f32>>, tensor<4x12xcomplex<f32>>, tensor<4x12xcomplex<f32>>, tensor<4xf32>) -> tensor<16x4xf32>
  func.return %y : tensor<16x4xf32>
}

// -----

// H = 12 > 8 channels per fold: two channel folds (8, then 4 channels) in alternating slots; the
// second fold's windows start at channel 8 and narrow, its block is smaller.
// CHECK-LABEL: func.func @channel_folds
// CHECK:        %u0 = systolic.alloc : !systolic.sram<input, 16x8xf32>
// CHECK:        systolic.configure <lima, prodf, seg 4>
// CHECK:          systolic.preload_coefficients {{.*}} -> slot 0 : !systolic.sram<weight, 8x4xcomplex<f32>>
// CHECK-NEXT:     systolic.load %u[0, 0] -> %u0[0, 0] sizes [16, 8]
// CHECK-NEXT:     systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [16, 8] slot 0 reset :
// CHECK-NEXT:     systolic.store %y0[0, 0] -> %y[0, 0] sizes [16, 8]
// CHECK-NEXT:     %abar_h8_n0, %bbar_h8_n0, %c_h8_n0, %d_h8_n0 = systolic.alloc_coefficients : !systolic.sram<weight, 4x4xcomplex<f32>>, !systolic.sram<weight, 4xf32>
// CHECK-NEXT:     systolic.load %a[8, 0] -> %abar_h8_n0[0, 0] sizes [4, 4]
// CHECK-NEXT:     systolic.load %b[8, 0] -> %bbar_h8_n0[0, 0] sizes [4, 4]
// CHECK-NEXT:     systolic.load %c[8, 0] -> %c_h8_n0[0, 0] sizes [4, 4]
// CHECK-NEXT:     systolic.load %d[0, 8] -> %d_h8_n0[0, 0] sizes [1, 4]
// CHECK-NEXT:     systolic.preload_coefficients %abar_h8_n0, %bbar_h8_n0, %c_h8_n0, %d_h8_n0 -> slot 1
// CHECK-NEXT:     systolic.load %u[0, 8] -> %u0[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [16, 4] slot 1 reset :
// CHECK-NEXT:     systolic.store %y0[0, 0] -> %y[0, 8] sizes [16, 4]
// CHECK-NEXT:   }
func.func @channel_folds(%u: tensor<16x12xf32>, %a: tensor<12x4xcomplex<f32>>, %b: tensor<12x4xcomplex<f32>>, %c: tensor<12x4xcomplex<f32>>, %d: tensor<12xf32>) -> tensor<16x12xf32> {
  %y = ssm.scan %u, %a, %b, %c, %d : (tensor<16x12xf32>, tensor<12x4xcomplex<f32>>, tensor<12x4xcomplex<f32>>, tensor<12x4xcomplex<f32>>, tensor<12xf32>) -> tensor<16x12xf32>
  func.return %y : tensor<16x12xf32>
}

// -----

// Real constant coefficients become complex constants (zero imaginary parts), since ldc reads
// complex planes; N = 1 packs eight channels per column (seg 1).
// CHECK-LABEL: func.func @real_constants
// CHECK:        %Abar = systolic.constant dense<{{\[\[}}(5.000000e-01,0.000000e+00)], [(2.500000e-01,0.000000e+00)]]> : tensor<2x1xcomplex<f32>>
// CHECK-NEXT:   %Bbar = systolic.constant dense<(1.000000e+00,0.000000e+00)> : tensor<2x1xcomplex<f32>>
// CHECK-NEXT:   %C = systolic.constant dense<{{\[\[}}(2.000000e+00,0.000000e+00)], [(3.000000e+00,0.000000e+00)]]> : tensor<2x1xcomplex<f32>>
// CHECK:        systolic.configure <lima, prodf, seg 1>
// CHECK:          systolic.load %Abar[0, 0] -> %abar_h0_n0[0, 0] sizes [2, 1]
// CHECK-NEXT:     systolic.load %Bbar[0, 0] -> %bbar_h0_n0[0, 0] sizes [2, 1]
// CHECK-NEXT:     systolic.load %C[0, 0] -> %c_h0_n0[0, 0] sizes [2, 1]
func.func @real_constants(%u: tensor<16x2xf32>, %d: tensor<2xf32>) -> tensor<16x2xf32> {
  %a = arith.constant dense<[[0.5], [0.25]]> : tensor<2x1xf32>
  %b = arith.constant dense<1.0> : tensor<2x1xf32>
  %c = arith.constant dense<[[2.0], [3.0]]> : tensor<2x1xf32>
  %y = ssm.scan %u, %a, %b, %c, %d : (tensor<16x2xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2xf32>) -> tensor<16x2xf32>
  func.return %y : tensor<16x2xf32>
}
