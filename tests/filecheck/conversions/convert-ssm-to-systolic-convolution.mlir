// The convolution mode of the conventional mapping of ssm.scan on the `small` machine (8x4):
// with constant coefficients the kernel K[h, d] = Re(sum_n c b abar^d) is computed at compile
// time, stored reversed and zero padded per channel ([K[L-1], ..., K[0], 0 x min(rows, L)-1]),
// and each channel's causal Toeplitz product y_h = T_h u_h reads T_h[t, s] = element
// L - 1 - t + s of its row in place: a window of row `stride -1`. mode=auto (the default) takes
// the lower of the two estimates; both are recorded with the choice.
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=ws}' | filecheck %s --check-prefixes=CHECK,WS
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=os}' | filecheck %s --check-prefixes=CHECK,OS
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=is}' | filecheck %s --check-prefixes=CHECK,IS
// mode=convolution on coefficients known only at run time is refused; an unknown mode too.
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=ws mode=convolution}' | filecheck %s --check-prefix=FORCED
// RUN: not epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=ws mode=fft}' 2>&1 | filecheck %s --check-prefix=MODE
// MODE: convert-ssm-to-systolic: mode must be one of auto, recurrent, convolution, got 'fft'

// L = 6, H = 2, N = 1 complex: K[0] = Re(c b) = 5 - 12 = -7 and -11, stored last. D is an
// argument: its words go down a column and join K[h, 0] with one vector add. ws and is keep
// u_h's block of inputs stationary and stream the Toeplitz rows (is writes D^T: a column of y);
// os streams both, so u arrives transposed (one DMA of an L x 1 column per channel, written with
// row stride 1). One fold per channel here (L <= rows), in a loop over the channels.
// CHECK-LABEL: func.func @complex_constants
// WS:          %u_all = systolic.alloc : !systolic.sram<input, 6x2xf32>
// WS-NEXT:     systolic.load %u[0, 0] -> %u_all[0, 0] sizes [6, 2]
// OS:          %u_t = systolic.alloc : !systolic.sram<input, 2x6xf32>
// OS-NEXT:     systolic.chunk_loop 2 estimated_cycles 2 attributes {ssm.mode = "convolution", ssm.estimates = {recurrent = 204 : i64, convolution = 142 : i64}} {
// OS-NEXT:       systolic.load %u[0, 0] step [0, 1] -> %u_t[0, 0] stride 1 step [1, 0] sizes [6, 1]
// OS-NEXT:     }
// CHECK:       %kernel_values = systolic.constant dense<{{\[\[}}-0.380859375, -1.30859375, -2.968750e+00, -5.312500e+00, -7.500000e+00, -7.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [12.6083984, 29.4882812, 38.921875, 3.556250e+01, 1.775000e+01, -1.100000e+01, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<2x11xf32>
// CHECK-NEXT:  %kernel = systolic.alloc : !systolic.sram<weight, 2x11xf32>
// CHECK-NEXT:  systolic.load %kernel_values[0, 0] -> %kernel[0, 0] sizes [2, 11]
// CHECK-NEXT:  %d_column = systolic.alloc : !systolic.sram<weight, 2x1xf32>
// CHECK-NEXT:  systolic.chunk_loop 2
// CHECK-NEXT:    systolic.load %d[0, 0] step [0, 1] -> %d_column[0, 0] step [1, 0] sizes [1, 1]
// CHECK-NEXT:  }
// CHECK-NEXT:  systolic.vector add %kernel[0, 5], %d_column[0, 0] -> %kernel[0, 5] sizes [2, 1]
// CHECK-NEXT:  %y_all = systolic.alloc : !systolic.sram<output, 6x2xf32>
// WS-NEXT:     systolic.configure <mac, ws> attributes {ssm.mode = "convolution", ssm.estimates = {recurrent = 204 : i64, convolution = 157 : i64}} {
// WS-NEXT:       systolic.chunk_loop 2 estimated_cycles 48 attributes {ssm.mode = "convolution", ssm.estimates = {recurrent = 204 : i64, convolution = 157 : i64}} {
// WS-NEXT:         systolic.preload_tile %u_all[0, 0] step [0, 1] sizes [6, 1] -> slot 0
// WS-NEXT:         systolic.matmul_tile a %kernel[0, 5] stride -1 step [1, 0] slot 0 -> %y_all[0, 0] step [0, 1] m 6 n 1 k 6 :
// OS-NEXT:     systolic.configure <mac, os> attributes {ssm.mode = "convolution", ssm.estimates = {recurrent = 204 : i64, convolution = 142 : i64}} {
// OS-NEXT:       systolic.chunk_loop 2 estimated_cycles 32
// OS-NEXT:         systolic.matmul_tile a %kernel[0, 5] stride -1 step [1, 0] b %u_t[0, 0] step [1, 0] -> %y_all[0, 0] step [0, 1] m 6 n 1 k 6 :
// IS-NEXT:     systolic.configure <mac, is> attributes {ssm.mode = "convolution", ssm.estimates = {recurrent = 204 : i64, convolution = 157 : i64}} {
// IS-NEXT:       systolic.chunk_loop 2 estimated_cycles 48
// IS-NEXT:         systolic.preload_tile %u_all[0, 0] step [0, 1] sizes [6, 1] -> slot 0
// IS-NEXT:         systolic.matmul_tile b %kernel[0, 5] stride -1 step [1, 0] slot 0 -> %y_all[0, 0] step [0, 1] m 1 n 6 k 6 transpose_out :
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// CHECK-NEXT:  systolic.store %y_all[0, 0] -> %y[0, 0] sizes [6, 2]
// FORCED-LABEL: func.func @complex_constants
// FORCED:       systolic.configure <mac, ws> attributes {ssm.mode = "convolution"
func.func @complex_constants(%u: tensor<6x2xf32>, %d: tensor<2xf32>) -> tensor<6x2xf32> {
  %a = arith.constant dense<[[(0.5,0.25)], [(0.75,-0.5)]]> : tensor<2x1xcomplex<f32>>
  %b = arith.constant dense<[[(1.0,2.0)], [(3.0,4.0)]]> : tensor<2x1xcomplex<f32>>
  %c = arith.constant dense<[[(5.0,6.0)], [(7.0,8.0)]]> : tensor<2x1xcomplex<f32>>
  %y = ssm.scan %u, %a, %b, %c, %d : (tensor<6x2xf32>, tensor<2x1xcomplex<f32>>, tensor<2x1xcomplex<f32>>, tensor<2x1xcomplex<f32>>, tensor<2xf32>) -> tensor<6x2xf32>
  func.return %y : tensor<6x2xf32>
}

// -----

// L = 10 > rows: folds of 8 inputs (ws, is: the rows t >= s0 stream, m = 10 then 2; the second
// accumulates) or of 8 outputs (os: k = the inputs s < t0 + mr). A constant D is folded into
// the kernel at compile time: K[0] = 0.25 + 2.
// CHECK-LABEL: func.func @constant_d
// CHECK:       %kernel_values = systolic.constant dense<{{\[\[}}0.00048828125, 0.0009765625, 0.001953125, 3.906250e-03, 7.812500e-03, 1.562500e-02, 3.125000e-02, 6.250000e-02, 1.250000e-01, 2.250000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<1x17xf32>
// CHECK-NOT:   d_column
// WS:          systolic.preload_tile %u_all[0, 0] step [0, 1] sizes [8, 1] -> slot 0
// WS-NEXT:     systolic.matmul_tile a %kernel[0, 9] stride -1 step [1, 0] slot 0 -> %y_all[0, 0] step [0, 1] m 10 n 1 k 8 :
// WS-NEXT:     systolic.preload_tile %u_all[8, 0] step [0, 1] sizes [2, 1] -> slot 1
// WS-NEXT:     systolic.matmul_tile a %kernel[0, 9] stride -1 step [1, 0] slot 1 -> %y_all[8, 0] step [0, 1] m 2 n 1 k 2 accumulate :
// OS:          systolic.matmul_tile a %kernel[0, 9] stride -1 step [1, 0] b %u_t[0, 0] step [1, 0] -> %y_all[0, 0] step [0, 1] m 8 n 1 k 8 :
// OS-NEXT:     systolic.matmul_tile a %kernel[0, 1] stride -1 step [1, 0] b %u_t[0, 0] step [1, 0] -> %y_all[8, 0] step [0, 1] m 2 n 1 k 10 :
// IS:          systolic.matmul_tile b %kernel[0, 9] stride -1 step [1, 0] slot 0 -> %y_all[0, 0] step [0, 1] m 1 n 10 k 8 transpose_out :
// IS:          systolic.matmul_tile b %kernel[0, 9] stride -1 step [1, 0] slot 1 -> %y_all[8, 0] step [0, 1] m 1 n 2 k 2 accumulate transpose_out :
func.func @constant_d(%u: tensor<10x1xf32>) -> tensor<10x1xf32> {
  %a = arith.constant dense<0.5> : tensor<1x1xf32>
  %d = arith.constant dense<2.0> : tensor<1xf32>
  %y = ssm.scan %u, %a, %a, %a, %d : (tensor<10x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1xf32>) -> tensor<10x1xf32>
  func.return %y : tensor<10x1xf32>
}

// -----

// A long sequence: the convolution's work grows as L^2, the recurrence's as L, so the recurrent
// mode's estimate is the lower one and auto takes it.
// CHECK-LABEL: func.func @long
// CHECK-NOT:   systolic.matmul_tile
// CHECK:       systolic.chunk_loop {{.*}} attributes {ssm.mode = "recurrent", ssm.estimates = {recurrent = [[R:[0-9]+]] : i64, convolution = [[V:[0-9]+]] : i64}}
func.func @long(%u: tensor<512x1xf32>, %d: tensor<1xf32>) -> tensor<512x1xf32> {
  %a = arith.constant dense<0.5> : tensor<1x1xf32>
  %y = ssm.scan %u, %a, %a, %a, %d : (tensor<512x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1xf32>) -> tensor<512x1xf32>
  func.return %y : tensor<512x1xf32>
}

// -----

// Coefficients known only at run time: the kernel would have to be generated on chip, which
// this mode does not emit; auto takes the recurrent mode (the convolution estimate, with the
// generation priced, is recorded) and mode=convolution is refused at the op.
// CHECK-LABEL: func.func @runtime
// CHECK:       ssm.mode = "recurrent"
// FORCED: convert-ssm-to-systolic-convolution.mlir:[[# @LINE + 2]]:8: error: 'ssm.scan' op cannot use the convolution mode: its coefficients are not compile-time constants
func.func @runtime(%u: tensor<6x2xf32>, %a: tensor<2x1xf32>, %d: tensor<2xf32>) -> tensor<6x2xf32> {
  %y = ssm.scan %u, %a, %a, %a, %d : (tensor<6x2xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2xf32>) -> tensor<6x2xf32>
  func.return %y : tensor<6x2xf32>
}
