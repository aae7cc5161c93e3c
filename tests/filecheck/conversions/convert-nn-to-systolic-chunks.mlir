// Sequences streamed in chunks. `chunk-rows=4` caps the chunks of a 42-step sequence at 4 rows on
// `small`: 10 full chunks and a partial one of 2. Buffers alternate (x0/x1, y0/y1) so the DMA
// loads chunk i+1 while chunk i computes; chunk 0 is peeled, the loop body handles two chunks
// and its DRAM windows step by 8 rows, and the last chunks are peeled. The IR has the same size
// for any L (tests/conversions/test_convert_nn_to_systolic.py checks the programs).
// RUN: epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-nn-to-systolic{chunk-rows=4 dataflow=is}' | filecheck %s
// RUN: epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-nn-to-systolic{chunk-rows=16 dataflow=is}' | filecheck %s --check-prefix=NESTED
// Banks of 256 words (a machine file) make the chunk size follow from the SRAM instead:
// RUN: printf 'base = "small"\nname = "banks256"\n[[sram.banks]]\nname = "input"\nkib = 1\n[[sram.banks]]\nname = "weight"\nkib = 1\n[[sram.banks]]\nname = "output"\nkib = 1\n' > %t.toml
// RUN: epoch opt %s -p 'epoch-set-machine{hw="%t.toml"},convert-func-to-systolic,convert-nn-to-systolic' | filecheck %s --check-prefix=BANKS

// CHECK-LABEL: func.func @gelu(
// CHECK-NEXT:    %y = systolic.alloc_dram : !systolic.dram<42x8xf32>
// CHECK-NEXT:    %gelu_in0 = systolic.alloc : !systolic.sram<input, 4x8xf32>
// CHECK-NEXT:    %gelu_in1 = systolic.alloc : !systolic.sram<input, 4x8xf32>
// CHECK-NEXT:    %gelu_out0 = systolic.alloc : !systolic.sram<output, 4x8xf32>
// CHECK-NEXT:    %gelu_out1 = systolic.alloc : !systolic.sram<output, 4x8xf32>
// CHECK-NEXT:    systolic.load %x[0, 0] -> %gelu_in0[0, 0] sizes [4, 8]
// CHECK-NEXT:    systolic.load %x[4, 0] -> %gelu_in1[0, 0] sizes [4, 8]
// CHECK-NEXT:    systolic.vector gelu %gelu_in0[0, 0] -> %gelu_out0[0, 0] sizes [4, 8]
// CHECK-NEXT:    systolic.store %gelu_out0[0, 0] -> %y[0, 0] sizes [4, 8]
// CHECK-NEXT:    systolic.chunk_loop 4 {
// CHECK-NEXT:      systolic.load %x[8, 0] step [8, 0] -> %gelu_in0[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.vector gelu %gelu_in1[0, 0] -> %gelu_out1[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.store %gelu_out1[0, 0] -> %y[4, 0] step [8, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.load %x[12, 0] step [8, 0] -> %gelu_in1[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.vector gelu %gelu_in0[0, 0] -> %gelu_out0[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.store %gelu_out0[0, 0] -> %y[8, 0] step [8, 0] sizes [4, 8]
// CHECK-NEXT:    }
// CHECK-NEXT:    systolic.load %x[40, 0] -> %gelu_in0[0, 0] sizes [2, 8]
// CHECK-NEXT:    systolic.vector gelu %gelu_in1[0, 0] -> %gelu_out1[0, 0] sizes [4, 8]
// CHECK-NEXT:    systolic.store %gelu_out1[0, 0] -> %y[36, 0] sizes [4, 8]
// CHECK-NEXT:    systolic.vector gelu %gelu_in0[0, 0] -> %gelu_out0[0, 0] sizes [2, 8]
// CHECK-NEXT:    systolic.store %gelu_out0[0, 0] -> %y[40, 0] sizes [2, 8]
// CHECK-NEXT:    builtin.unrealized_conversion_cast
func.func @gelu(%x: tensor<42x8xf32>) -> tensor<42x8xf32> {
  %y = nn.gelu %x : tensor<42x8xf32>
  func.return %y : tensor<42x8xf32>
}

// Reversal is addressing, no vector pass: chunk i of the output is the mirror input chunk read
// last row first (row stride -8), the input walking from the end (negative step), the output
// from the start; the partial chunk is rows 1..0 of x.
// CHECK-LABEL: func.func @reverse(
// CHECK:         systolic.load %x[41, 0] stride -8 -> %reverse_in0[0, 0] sizes [4, 8]
// CHECK-NEXT:    systolic.load %x[37, 0] stride -8 -> %reverse_in1[0, 0] sizes [4, 8]
// CHECK-NEXT:    systolic.store %reverse_in0[0, 0] -> %y[0, 0] sizes [4, 8]
// CHECK-NEXT:    systolic.chunk_loop 4 {
// CHECK-NEXT:      systolic.load %x[33, 0] stride -8 step [-8, 0] -> %reverse_in0[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.store %reverse_in1[0, 0] -> %y[4, 0] step [8, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.load %x[29, 0] stride -8 step [-8, 0] -> %reverse_in1[0, 0] sizes [4, 8]
// CHECK:         systolic.load %x[1, 0] stride -8 -> %reverse_in0[0, 0] sizes [2, 8]
// CHECK:         systolic.store %reverse_in0[0, 0] -> %y[40, 0] sizes [2, 8]
// CHECK-NOT:     systolic.vector
func.func @reverse(%x: tensor<42x8xf32>) -> tensor<42x8xf32> {
  %y = nn.reverse %x : tensor<42x8xf32>
  func.return %y : tensor<42x8xf32>
}

// The first chunk's column sums (scaled by 1/42) overwrite the accumulator, later ones add to
// it; one store at the end.
// CHECK-LABEL: func.func @mean(
// CHECK:         %mean_sum = systolic.alloc : !systolic.sram<output, 1x8xf32>
// CHECK:         systolic.vector csum %mean_in0[0, 0] -> %mean_sum[0, 0] sizes [4, 8] imm 0.0238095243 :
// CHECK-NEXT:    systolic.chunk_loop 4 {
// CHECK-NEXT:      systolic.load %x[8, 0] step [8, 0] -> %mean_in0[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.vector csum %mean_in1[0, 0] -> %mean_sum[0, 0] sizes [4, 8] imm 0.0238095243 accumulate
// CHECK:         systolic.vector csum %mean_in0[0, 0] -> %mean_sum[0, 0] sizes [2, 8] imm 0.0238095243 accumulate
// CHECK-NEXT:    systolic.store %mean_sum[0, 0] -> %y[0, 0] sizes [1, 8]
// CHECK-NOT:     systolic.store
// CHECK:         func.return
func.func @mean(%x: tensor<42x8xf32>) -> tensor<1x8xf32> {
  %y = nn.mean %x : tensor<42x8xf32> -> tensor<1x8xf32>
  func.return %y : tensor<1x8xf32>
}

// Each chunk buffer holds K-1 = 2 halo rows on top: zeros before the first chunk, afterwards
// reloaded with the chunk in one transfer that starts 2 rows early.
// CHECK-LABEL: func.func @conv(
// CHECK:         %causal_conv1d_x0 = systolic.alloc : !systolic.sram<input, 6x8xf32>
// CHECK:         %causal_conv1d_zeros = systolic.constant dense<0.000000e+00> : tensor<2x8xf32>
// CHECK-NEXT:    systolic.load %causal_conv1d_zeros[0, 0] -> %causal_conv1d_x0[0, 0] sizes [2, 8]
// CHECK-NEXT:    systolic.load %x[0, 0] -> %causal_conv1d_x0[2, 0] sizes [4, 8]
// CHECK-NEXT:    systolic.load %x[2, 0] -> %causal_conv1d_x1[0, 0] sizes [6, 8]
// CHECK:         systolic.chunk_loop 4 {
// CHECK-NEXT:      systolic.load %x[6, 0] step [8, 0] -> %causal_conv1d_x0[0, 0] sizes [6, 8]
// CHECK-NEXT:      systolic.vector mul %causal_conv1d_x1[0, 0], %causal_conv1d_taps[0, 0] bcast row -> %causal_conv1d_y1[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.vector mul %causal_conv1d_x1[1, 0], %causal_conv1d_taps[1, 0] bcast row -> %causal_conv1d_product[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.vector add %causal_conv1d_y1[0, 0], %causal_conv1d_product[0, 0] -> %causal_conv1d_y1[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.vector mul %causal_conv1d_x1[2, 0], %causal_conv1d_taps[2, 0] bcast row -> %causal_conv1d_product[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.vector add %causal_conv1d_y1[0, 0], %causal_conv1d_product[0, 0] -> %causal_conv1d_y1[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.store %causal_conv1d_y1[0, 0] -> %y[4, 0] step [8, 0] sizes [4, 8]
// CHECK:         systolic.load %x[38, 0] -> %causal_conv1d_x0[0, 0] sizes [4, 8]
func.func @conv(%x: tensor<42x8xf32>) -> tensor<42x8xf32> {
  %w = arith.constant dense<1.0> : tensor<8x3xf32>
  %y = nn.causal_conv1d %x, %w : (tensor<42x8xf32>, tensor<8x3xf32>) -> tensor<42x8xf32>
  func.return %y : tensor<42x8xf32>
}

// A GEMM chunk folds like a whole GEMM; the stationary slot continues alternating from one
// chunk to the next (one fold per chunk here).
// CHECK-LABEL: func.func @linear(
// CHECK:         systolic.configure <mac, is> {
// CHECK-NEXT:      systolic.load %w[0, 0] -> %linear_w[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.load %x[0, 0] -> %linear_x0[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.load %x[4, 0] -> %linear_x1[0, 0] sizes [4, 8]
// CHECK-NEXT:      systolic.preload_tile %linear_x0[0, 0] sizes [4, 8] transpose -> slot 0
// CHECK-NEXT:      systolic.matmul_tile b %linear_w[0, 0] slot 0 -> %linear_y0[0, 0] m 4 n 4 k 8 :
// CHECK-NEXT:      systolic.store %linear_y0[0, 0] -> %y[0, 0] sizes [4, 4]
// CHECK-NEXT:      systolic.chunk_loop 4 {
// CHECK-NEXT:        systolic.load %x[8, 0] step [8, 0] -> %linear_x0[0, 0] sizes [4, 8]
// CHECK-NEXT:        systolic.preload_tile %linear_x1[0, 0] sizes [4, 8] transpose -> slot 1
// CHECK-NEXT:        systolic.matmul_tile b %linear_w[0, 0] slot 1 -> %linear_y1[0, 0] m 4 n 4 k 8 :
// CHECK-NEXT:        systolic.store %linear_y1[0, 0] -> %y[4, 0] step [8, 0] sizes [4, 4]
func.func @linear(%x: tensor<42x8xf32>, %w: tensor<4x8xf32>) -> tensor<42x4xf32> {
  %y = nn.linear %x, %w : (tensor<42x8xf32>, tensor<4x8xf32>) -> tensor<42x4xf32>
  func.return %y : tensor<42x4xf32>
}

// 256-word banks: two 16-row chunks of 8 channels fit each bank, so 100 steps take 7 chunks,
// evened out to 15 rows (the last has 10).
// BANKS-LABEL: func.func @relu(
// BANKS:         %relu_in0 = systolic.alloc : !systolic.sram<input, 15x8xf32>
// BANKS:         systolic.chunk_loop 2 {
// BANKS-NEXT:      systolic.load %x[30, 0] step [30, 0] -> %relu_in0[0, 0] sizes [15, 8]
// BANKS:         systolic.load %x[90, 0] -> %relu_in0[0, 0] sizes [10, 8]
func.func @relu(%x: tensor<100x8xf32>) -> tensor<100x8xf32> {
  %y = nn.relu %x : tensor<100x8xf32>
  func.return %y : tensor<100x8xf32>
}

// A 200-word row fits a bank once but not twice: one buffer per stream, and each chunk is loaded,
// computed and stored before the next is loaded (no overlap, but it runs).
// BANKS-LABEL: func.func @single_buffered(
// BANKS-NEXT:    %y = systolic.alloc_dram : !systolic.dram<5x200xf32>
// BANKS-NEXT:    %relu_in = systolic.alloc : !systolic.sram<input, 1x200xf32>
// BANKS-NEXT:    %relu_out = systolic.alloc : !systolic.sram<output, 1x200xf32>
// BANKS-NEXT:    systolic.load %x[0, 0] -> %relu_in[0, 0] sizes [1, 200]
// BANKS-NEXT:    systolic.vector relu %relu_in[0, 0] -> %relu_out[0, 0] sizes [1, 200]
// BANKS-NEXT:    systolic.store %relu_out[0, 0] -> %y[0, 0] sizes [1, 200]
// BANKS-NEXT:    systolic.chunk_loop 4 {
// BANKS-NEXT:      systolic.load %x[1, 0] step [1, 0] -> %relu_in[0, 0] sizes [1, 200]
// BANKS-NEXT:      systolic.vector relu %relu_in[0, 0] -> %relu_out[0, 0] sizes [1, 200]
// BANKS-NEXT:      systolic.store %relu_out[0, 0] -> %y[1, 0] step [1, 0] sizes [1, 200]
// BANKS-NEXT:    }
func.func @single_buffered(%x: tensor<5x200xf32>) -> tensor<5x200xf32> {
  %y = nn.relu %x : tensor<5x200xf32>
  func.return %y : tensor<5x200xf32>
}

// W (9 x 60) does not fit the weight bank: it is processed in blocks of 4 rows (whole column
// folds), each block streaming the sequence again and writing its columns of y.
// BANKS-LABEL: func.func @weight_blocks(
// BANKS:         %linear_w = systolic.alloc : !systolic.sram<weight, 4x60xf32>
// BANKS:         systolic.load %w[0, 0] -> %linear_w[0, 0] sizes [4, 60]
// BANKS:         systolic.store %linear_y[0, 0] -> %y[0, 0] sizes [4, 4]
// BANKS-NEXT:    systolic.load %w[4, 0] -> %linear_w[0, 0] sizes [4, 60]
// BANKS:         systolic.store %linear_y[0, 0] -> %y[0, 4] sizes [4, 4]
// BANKS-NEXT:    systolic.load %w[8, 0] -> %linear_w[0, 0] sizes [1, 60]
// BANKS-NEXT:    systolic.load %x[0, 0] -> %linear_x[0, 0] sizes [4, 60]
// BANKS-NEXT:    systolic.preload_tile %linear_w[0, 0] sizes [1, 8] transpose -> slot 0
// BANKS:         systolic.store %linear_y[0, 0] -> %y[0, 8] sizes [4, 1]
func.func @weight_blocks(%x: tensor<4x60xf32>, %w: tensor<9x60xf32>) -> tensor<4x9xf32> {
  %y = nn.linear %x, %w : (tensor<4x60xf32>, tensor<9x60xf32>) -> tensor<4x9xf32>
  func.return %y : tensor<4x9xf32>
}

// With 16-row chunks, is folds the chunk's m in 4 folds (one per 4 columns): a loop inside the
// chunk loop (two hardware loop levels).
// NESTED-LABEL: func.func @linear_nested(
// NESTED:          systolic.store %linear_y0[0, 0] -> %y[0, 0] sizes [16, 4]
// NESTED-NEXT:     systolic.chunk_loop 2 {
// NESTED-NEXT:        systolic.load %x[32, 0] step [32, 0] -> %linear_x0[0, 0] sizes [16, 8]
// NESTED-NEXT:        systolic.chunk_loop 2 {
// NESTED-NEXT:          systolic.preload_tile %linear_x1[0, 0] step [8, 0] sizes [4, 8] transpose -> slot 0
// NESTED-NEXT:          systolic.matmul_tile b %linear_w[0, 0] slot 0 -> %linear_y1[0, 0] step [8, 0] m 4 n 4 k 8 :
// NESTED-NEXT:          systolic.preload_tile %linear_x1[4, 0] step [8, 0] sizes [4, 8] transpose -> slot 1
// NESTED-NEXT:          systolic.matmul_tile b %linear_w[0, 0] slot 1 -> %linear_y1[4, 0] step [8, 0] m 4 n 4 k 8 :
// NESTED-NEXT:        }
// NESTED-NEXT:        systolic.store %linear_y1[0, 0] -> %y[16, 0] step [32, 0] sizes [16, 4]
func.func @linear_nested(%x: tensor<96x8xf32>, %w: tensor<4x8xf32>) -> tensor<96x4xf32> {
  %y = nn.linear %x, %w : (tensor<96x8xf32>, tensor<4x8xf32>) -> tensor<96x4xf32>
  func.return %y : tensor<96x4xf32>
}
