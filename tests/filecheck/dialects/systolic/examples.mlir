// The worked examples of docs/systolic.md, each verified against the `small` machine's target
// (8x4 LIMA-PEs): the docs quote these modules verbatim (tests/dialects/test_systolic.py checks).
// RUN: epoch opt %s --split-input-file > %t
// RUN: filecheck %s --input-file %t
// RUN: epoch opt %t --split-input-file | diff %t -
// RUN: epoch opt %s --split-input-file --print-op-generic | epoch opt --split-input-file | diff %t -

// One S4D layer, y = ssm.scan(u, Abar, Bbar, C, D) with L = 512, H = 12, N = 4, mapped by ProDF
// onto the `small` machine (8x4 LIMA-PEs). N = 4 < 8 rows, so columns are cut into segments of
// S = 4 rows and each column holds G = 2 channels: a fold holds 8 channels, and the 12 channels
// take two folds (8, then 4) in alternating slots. The sequence streams in chunks of 64 steps,
// double-buffered: chunk 0 resets the PE states, chunks 1..6 run in a hardware loop two at a
// time (one per buffer), chunk 7 drains.
// CHECK-LABEL: func.func @s4d(
// CHECK: systolic.configure <lima, prodf, seg 4> {
// CHECK: systolic.preload_coefficients %abar0, %bbar0, %c0, %d0 -> slot 0
// CHECK: systolic.chunk_loop 3 estimated_cycles 984 {
// CHECK: systolic.preload_coefficients %abar1, %bbar1, %c1, %d1 -> slot 1
#small = #systolic.target<"small", 8x4, lima, loop_depth 4, banks [input 262144, weight 131072, output 262144]>
builtin.module attributes {systolic.target = #small} {
  func.func @s4d(%u: !systolic.dram<512x12xf32>, %abar: !systolic.dram<12x4xcomplex<f32>>, %bbar: !systolic.dram<12x4xcomplex<f32>>, %c: !systolic.dram<12x4xcomplex<f32>>, %d: !systolic.dram<12xf32>) -> !systolic.dram<512x12xf32> {
    %y = systolic.alloc_dram : !systolic.dram<512x12xf32>
    %u0 = systolic.alloc at 0 : !systolic.sram<input, 64x8xf32>
    %u1 = systolic.alloc at 512 : !systolic.sram<input, 64x8xf32>
    %y0 = systolic.alloc at 0 : !systolic.sram<output, 64x8xf32>
    %y1 = systolic.alloc at 512 : !systolic.sram<output, 64x8xf32>
    %abar0, %bbar0, %c0, %d0 = systolic.alloc_coefficients at 0 : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
    %abar1, %bbar1, %c1, %d1 = systolic.alloc_coefficients at 200 : !systolic.sram<weight, 4x4xcomplex<f32>>, !systolic.sram<weight, 4xf32>
    systolic.configure <lima, prodf, seg 4> {
      systolic.load %abar[0, 0] -> %abar0[0, 0] sizes [8, 4] : !systolic.dram<12x4xcomplex<f32>>, !systolic.sram<weight, 8x4xcomplex<f32>>
      systolic.load %bbar[0, 0] -> %bbar0[0, 0] sizes [8, 4] : !systolic.dram<12x4xcomplex<f32>>, !systolic.sram<weight, 8x4xcomplex<f32>>
      systolic.load %c[0, 0] -> %c0[0, 0] sizes [8, 4] : !systolic.dram<12x4xcomplex<f32>>, !systolic.sram<weight, 8x4xcomplex<f32>>
      systolic.load %d[0, 0] -> %d0[0, 0] sizes [1, 8] : !systolic.dram<12xf32>, !systolic.sram<weight, 8xf32>
      systolic.preload_coefficients %abar0, %bbar0, %c0, %d0 -> slot 0 : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
      systolic.load %u[0, 0] -> %u0[0, 0] sizes [64, 8] : !systolic.dram<512x12xf32>, !systolic.sram<input, 64x8xf32>
      systolic.load %u[64, 0] -> %u1[0, 0] sizes [64, 8] : !systolic.dram<512x12xf32>, !systolic.sram<input, 64x8xf32>
      systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [64, 8] slot 0 reset : !systolic.sram<input, 64x8xf32>, !systolic.sram<output, 64x8xf32>
      systolic.store %y0[0, 0] -> %y[0, 0] sizes [64, 8] : !systolic.sram<output, 64x8xf32>, !systolic.dram<512x12xf32>
      systolic.chunk_loop 3 estimated_cycles 984 {
        systolic.load %u[128, 0] step [128, 0] -> %u0[0, 0] sizes [64, 8] : !systolic.dram<512x12xf32>, !systolic.sram<input, 64x8xf32>
        systolic.stream %u1[0, 0] -> %y1[0, 0] sizes [64, 8] slot 0 : !systolic.sram<input, 64x8xf32>, !systolic.sram<output, 64x8xf32>
        systolic.store %y1[0, 0] -> %y[64, 0] step [128, 0] sizes [64, 8] : !systolic.sram<output, 64x8xf32>, !systolic.dram<512x12xf32>
        systolic.load %u[192, 0] step [128, 0] -> %u1[0, 0] sizes [64, 8] : !systolic.dram<512x12xf32>, !systolic.sram<input, 64x8xf32>
        systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [64, 8] slot 0 : !systolic.sram<input, 64x8xf32>, !systolic.sram<output, 64x8xf32>
        systolic.store %y0[0, 0] -> %y[128, 0] step [128, 0] sizes [64, 8] : !systolic.sram<output, 64x8xf32>, !systolic.dram<512x12xf32>
      }
      systolic.stream %u1[0, 0] -> %y1[0, 0] sizes [64, 8] slot 0 : !systolic.sram<input, 64x8xf32>, !systolic.sram<output, 64x8xf32>
      systolic.store %y1[0, 0] -> %y[448, 0] sizes [64, 8] : !systolic.sram<output, 64x8xf32>, !systolic.dram<512x12xf32>
      systolic.load %abar[8, 0] -> %abar1[0, 0] sizes [4, 4] : !systolic.dram<12x4xcomplex<f32>>, !systolic.sram<weight, 4x4xcomplex<f32>>
      systolic.load %bbar[8, 0] -> %bbar1[0, 0] sizes [4, 4] : !systolic.dram<12x4xcomplex<f32>>, !systolic.sram<weight, 4x4xcomplex<f32>>
      systolic.load %c[8, 0] -> %c1[0, 0] sizes [4, 4] : !systolic.dram<12x4xcomplex<f32>>, !systolic.sram<weight, 4x4xcomplex<f32>>
      systolic.load %d[0, 8] -> %d1[0, 0] sizes [1, 4] : !systolic.dram<12xf32>, !systolic.sram<weight, 4xf32>
      systolic.preload_coefficients %abar1, %bbar1, %c1, %d1 -> slot 1 : !systolic.sram<weight, 4x4xcomplex<f32>>, !systolic.sram<weight, 4xf32>
      systolic.load %u[0, 8] -> %u0[0, 0] sizes [64, 4] : !systolic.dram<512x12xf32>, !systolic.sram<input, 64x8xf32>
      systolic.load %u[64, 8] -> %u1[0, 0] sizes [64, 4] : !systolic.dram<512x12xf32>, !systolic.sram<input, 64x8xf32>
      systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [64, 4] slot 1 reset : !systolic.sram<input, 64x8xf32>, !systolic.sram<output, 64x8xf32>
      systolic.store %y0[0, 0] -> %y[0, 8] sizes [64, 4] : !systolic.sram<output, 64x8xf32>, !systolic.dram<512x12xf32>
      systolic.chunk_loop 3 estimated_cycles 792 {
        systolic.load %u[128, 8] step [128, 0] -> %u0[0, 0] sizes [64, 4] : !systolic.dram<512x12xf32>, !systolic.sram<input, 64x8xf32>
        systolic.stream %u1[0, 0] -> %y1[0, 0] sizes [64, 4] slot 1 : !systolic.sram<input, 64x8xf32>, !systolic.sram<output, 64x8xf32>
        systolic.store %y1[0, 0] -> %y[64, 8] step [128, 0] sizes [64, 4] : !systolic.sram<output, 64x8xf32>, !systolic.dram<512x12xf32>
        systolic.load %u[192, 8] step [128, 0] -> %u1[0, 0] sizes [64, 4] : !systolic.dram<512x12xf32>, !systolic.sram<input, 64x8xf32>
        systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [64, 4] slot 1 : !systolic.sram<input, 64x8xf32>, !systolic.sram<output, 64x8xf32>
        systolic.store %y0[0, 0] -> %y[128, 8] step [128, 0] sizes [64, 4] : !systolic.sram<output, 64x8xf32>, !systolic.dram<512x12xf32>
      }
      systolic.stream %u1[0, 0] -> %y1[0, 0] sizes [64, 4] slot 1 : !systolic.sram<input, 64x8xf32>, !systolic.sram<output, 64x8xf32>
      systolic.store %y1[0, 0] -> %y[448, 8] sizes [64, 4] : !systolic.sram<output, 64x8xf32>, !systolic.dram<512x12xf32>
    }
    func.return %y : !systolic.dram<512x12xf32>
  }
}

// -----

// Folds over state modes: N = 12 > 8 rows. Whole columns (no seg), one channel per column; the
// first fold takes modes 0..7 and adds D, the second takes modes 8..11, adds zeros for D and
// accumulates into the first fold's outputs, still in the output buffer (one chunk).
// CHECK-LABEL: func.func @s4d_mode_folds(
// CHECK: systolic.stream %ub[0, 0] -> %yb[0, 0] sizes [64, 4] slot 1 reset accumulate
#small = #systolic.target<"small", 8x4, lima, loop_depth 4, banks [input 262144, weight 131072, output 262144]>
builtin.module attributes {systolic.target = #small} {
  func.func @s4d_mode_folds(%u: !systolic.dram<64x4xf32>, %abar: !systolic.dram<4x12xcomplex<f32>>, %bbar: !systolic.dram<4x12xcomplex<f32>>, %c: !systolic.dram<4x12xcomplex<f32>>, %d: !systolic.dram<4xf32>) -> !systolic.dram<64x4xf32> {
    %y = systolic.alloc_dram : !systolic.dram<64x4xf32>
    %zeros = systolic.constant dense<0.000000e+00> : tensor<4xf32>
    %ub = systolic.alloc : !systolic.sram<input, 64x4xf32>
    %yb = systolic.alloc : !systolic.sram<output, 64x4xf32>
    %abar0, %bbar0, %c0, %d0 = systolic.alloc_coefficients : !systolic.sram<weight, 4x8xcomplex<f32>>, !systolic.sram<weight, 4xf32>
    %abar1, %bbar1, %c1, %d1 = systolic.alloc_coefficients : !systolic.sram<weight, 4x4xcomplex<f32>>, !systolic.sram<weight, 4xf32>
    systolic.load %u[0, 0] -> %ub[0, 0] sizes [64, 4] : !systolic.dram<64x4xf32>, !systolic.sram<input, 64x4xf32>
    systolic.configure <lima, prodf> {
      systolic.load %abar[0, 0] -> %abar0[0, 0] sizes [4, 8] : !systolic.dram<4x12xcomplex<f32>>, !systolic.sram<weight, 4x8xcomplex<f32>>
      systolic.load %bbar[0, 0] -> %bbar0[0, 0] sizes [4, 8] : !systolic.dram<4x12xcomplex<f32>>, !systolic.sram<weight, 4x8xcomplex<f32>>
      systolic.load %c[0, 0] -> %c0[0, 0] sizes [4, 8] : !systolic.dram<4x12xcomplex<f32>>, !systolic.sram<weight, 4x8xcomplex<f32>>
      systolic.load %d[0, 0] -> %d0[0, 0] sizes [1, 4] : !systolic.dram<4xf32>, !systolic.sram<weight, 4xf32>
      systolic.preload_coefficients %abar0, %bbar0, %c0, %d0 -> slot 0 : !systolic.sram<weight, 4x8xcomplex<f32>>, !systolic.sram<weight, 4xf32>
      systolic.stream %ub[0, 0] -> %yb[0, 0] sizes [64, 4] slot 0 reset : !systolic.sram<input, 64x4xf32>, !systolic.sram<output, 64x4xf32>
      systolic.load %abar[0, 8] -> %abar1[0, 0] sizes [4, 4] : !systolic.dram<4x12xcomplex<f32>>, !systolic.sram<weight, 4x4xcomplex<f32>>
      systolic.load %bbar[0, 8] -> %bbar1[0, 0] sizes [4, 4] : !systolic.dram<4x12xcomplex<f32>>, !systolic.sram<weight, 4x4xcomplex<f32>>
      systolic.load %c[0, 8] -> %c1[0, 0] sizes [4, 4] : !systolic.dram<4x12xcomplex<f32>>, !systolic.sram<weight, 4x4xcomplex<f32>>
      systolic.load %zeros[0, 0] -> %d1[0, 0] sizes [1, 4] : !systolic.dram<4xf32>, !systolic.sram<weight, 4xf32>
      systolic.preload_coefficients %abar1, %bbar1, %c1, %d1 -> slot 1 : !systolic.sram<weight, 4x4xcomplex<f32>>, !systolic.sram<weight, 4xf32>
      systolic.stream %ub[0, 0] -> %yb[0, 0] sizes [64, 4] slot 1 reset accumulate : !systolic.sram<input, 64x4xf32>, !systolic.sram<output, 64x4xf32>
    }
    systolic.store %yb[0, 0] -> %y[0, 0] sizes [64, 4] : !systolic.sram<output, 64x4xf32>, !systolic.dram<64x4xf32>
    func.return %y : !systolic.dram<64x4xf32>
  }
}

// -----

// nn.linear without bias, y = x @ W^T with x 16x16 and W 8x16, weight-stationary on the 8x4
// array: ws holds B^T = W^T's k x n tiles (k <= 8 rows, n <= 4 columns) and streams the m = 16
// rows of x. Two folds over n (columns 0..3, 4..7) times two over k (accumulating), the slots
// alternating so each tile's preload can overlap the previous fold.
// CHECK-LABEL: func.func @linear(
// CHECK: systolic.configure <mac, ws> {
// CHECK-COUNT-4: systolic.matmul_tile a %xb
#small = #systolic.target<"small", 8x4, lima, loop_depth 4, banks [input 262144, weight 131072, output 262144]>
builtin.module attributes {systolic.target = #small} {
  func.func @linear(%x: !systolic.dram<16x16xf32>, %w: !systolic.dram<8x16xf32>) -> !systolic.dram<16x8xf32> {
    %y = systolic.alloc_dram : !systolic.dram<16x8xf32>
    %xb = systolic.alloc : !systolic.sram<input, 16x16xf32>
    %wb = systolic.alloc : !systolic.sram<weight, 8x16xf32>
    %yb = systolic.alloc : !systolic.sram<output, 16x8xf32>
    systolic.load %x[0, 0] -> %xb[0, 0] sizes [16, 16] : !systolic.dram<16x16xf32>, !systolic.sram<input, 16x16xf32>
    systolic.load %w[0, 0] -> %wb[0, 0] sizes [8, 16] : !systolic.dram<8x16xf32>, !systolic.sram<weight, 8x16xf32>
    systolic.configure <mac, ws> {
      systolic.preload_tile %wb[0, 0] sizes [4, 8] transpose -> slot 0 : !systolic.sram<weight, 8x16xf32>
      systolic.matmul_tile a %xb[0, 0] slot 0 -> %yb[0, 0] m 16 n 4 k 8 : !systolic.sram<input, 16x16xf32>, !systolic.sram<output, 16x8xf32>
      systolic.preload_tile %wb[0, 8] sizes [4, 8] transpose -> slot 1 : !systolic.sram<weight, 8x16xf32>
      systolic.matmul_tile a %xb[0, 8] slot 1 -> %yb[0, 0] m 16 n 4 k 8 accumulate : !systolic.sram<input, 16x16xf32>, !systolic.sram<output, 16x8xf32>
      systolic.preload_tile %wb[4, 0] sizes [4, 8] transpose -> slot 0 : !systolic.sram<weight, 8x16xf32>
      systolic.matmul_tile a %xb[0, 0] slot 0 -> %yb[0, 4] m 16 n 4 k 8 : !systolic.sram<input, 16x16xf32>, !systolic.sram<output, 16x8xf32>
      systolic.preload_tile %wb[4, 8] sizes [4, 8] transpose -> slot 1 : !systolic.sram<weight, 8x16xf32>
      systolic.matmul_tile a %xb[0, 8] slot 1 -> %yb[0, 4] m 16 n 4 k 8 accumulate : !systolic.sram<input, 16x16xf32>, !systolic.sram<output, 16x8xf32>
    }
    systolic.store %yb[0, 0] -> %y[0, 0] sizes [16, 8] : !systolic.sram<output, 16x8xf32>, !systolic.dram<16x8xf32>
    func.return %y : !systolic.dram<16x8xf32>
  }
}

// -----

// nn.layer_norm then nn.gelu on the vector unit (L = 16, H = 8): row means and variances
// broadcast along rows (bcast col), gamma and beta down the rows (bcast row).
// CHECK-LABEL: func.func @layer_norm_gelu(
// CHECK: systolic.vector sub %xb[0, 0], %mean[0, 0] bcast col -> %centered[0, 0]
#small = #systolic.target<"small", 8x4, lima, loop_depth 4, banks [input 262144, weight 131072, output 262144]>
builtin.module attributes {systolic.target = #small} {
  func.func @layer_norm_gelu(%x: !systolic.dram<16x8xf32>, %gamma: !systolic.dram<8xf32>, %beta: !systolic.dram<8xf32>) -> !systolic.dram<16x8xf32> {
    %y = systolic.alloc_dram : !systolic.dram<16x8xf32>
    %xb = systolic.alloc : !systolic.sram<input, 16x8xf32>
    %centered = systolic.alloc : !systolic.sram<input, 16x8xf32>
    %gb = systolic.alloc : !systolic.sram<weight, 8xf32>
    %bb = systolic.alloc : !systolic.sram<weight, 8xf32>
    %mean = systolic.alloc : !systolic.sram<weight, 16x1xf32>
    %rstd = systolic.alloc : !systolic.sram<weight, 16x1xf32>
    %out = systolic.alloc : !systolic.sram<output, 16x8xf32>
    systolic.load %x[0, 0] -> %xb[0, 0] sizes [16, 8] : !systolic.dram<16x8xf32>, !systolic.sram<input, 16x8xf32>
    systolic.load %gamma[0, 0] -> %gb[0, 0] sizes [1, 8] : !systolic.dram<8xf32>, !systolic.sram<weight, 8xf32>
    systolic.load %beta[0, 0] -> %bb[0, 0] sizes [1, 8] : !systolic.dram<8xf32>, !systolic.sram<weight, 8xf32>
    systolic.vector rsum %xb[0, 0] -> %mean[0, 0] sizes [16, 8] imm 1.250000e-01 : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 16x1xf32>
    systolic.vector sub %xb[0, 0], %mean[0, 0] bcast col -> %centered[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 16x1xf32>, !systolic.sram<input, 16x8xf32>
    systolic.vector mul %centered[0, 0], %centered[0, 0] -> %out[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
    systolic.vector rsum %out[0, 0] -> %rstd[0, 0] sizes [16, 8] imm 1.250000e-01 : !systolic.sram<output, 16x8xf32>, !systolic.sram<weight, 16x1xf32>
    systolic.vector rsqrt %rstd[0, 0] -> %rstd[0, 0] sizes [16, 1] imm 1.000000e-05 : !systolic.sram<weight, 16x1xf32>, !systolic.sram<weight, 16x1xf32>
    systolic.vector mul %centered[0, 0], %rstd[0, 0] bcast col -> %out[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 16x1xf32>, !systolic.sram<output, 16x8xf32>
    systolic.vector mul %out[0, 0], %gb[0, 0] bcast row -> %out[0, 0] sizes [16, 8] : !systolic.sram<output, 16x8xf32>, !systolic.sram<weight, 8xf32>, !systolic.sram<output, 16x8xf32>
    systolic.vector add %out[0, 0], %bb[0, 0] bcast row -> %out[0, 0] sizes [16, 8] : !systolic.sram<output, 16x8xf32>, !systolic.sram<weight, 8xf32>, !systolic.sram<output, 16x8xf32>
    systolic.vector gelu %out[0, 0] -> %out[0, 0] sizes [16, 8] : !systolic.sram<output, 16x8xf32>, !systolic.sram<output, 16x8xf32>
    systolic.store %out[0, 0] -> %y[0, 0] sizes [16, 8] : !systolic.sram<output, 16x8xf32>, !systolic.dram<16x8xf32>
    func.return %y : !systolic.dram<16x8xf32>
  }
}
