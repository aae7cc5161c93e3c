// nn.linear in the three conventional dataflows on the `small` 8x4 array: y (16x6) = x (16x16)
// @ W^T (W: 6x16) + b. The whole sequence fits SRAM, so this is one chunk folded exactly as
// kernels/gemm.py folds it (SCALE-Sim's mapping), then the bias on the vector unit.
// RUN: epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-nn-to-systolic{dataflow=ws}' | filecheck %s --check-prefix=WS
// RUN: epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-nn-to-systolic{dataflow=is}' | filecheck %s --check-prefix=IS
// RUN: epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-nn-to-systolic{dataflow=os}' | filecheck %s --check-prefix=OS
// ws is the default, and what `prodf` (the SSM dataflow) means for GEMMs:
// RUN: epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-nn-to-systolic' | filecheck %s --check-prefix=WS
// RUN: epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-nn-to-systolic{dataflow=prodf}' | filecheck %s --check-prefix=WS
// On a MAC-only machine the array ops are the same:
// RUN: epoch opt %s -p 'epoch-set-machine{hw=tpu},convert-func-to-systolic,convert-nn-to-systolic{dataflow=os}' | filecheck %s --check-prefix=TPU

// WS-LABEL: func.func @linear(
// WS-NEXT:  %y = systolic.alloc_dram : !systolic.dram<16x6xf32>
// WS-NEXT:  %linear_x = systolic.alloc : !systolic.sram<input, 16x16xf32>
// WS-NEXT:  %linear_y = systolic.alloc : !systolic.sram<output, 16x6xf32>
// WS-NEXT:  %linear_w = systolic.alloc : !systolic.sram<weight, 6x16xf32>
// WS-NEXT:  %linear_b = systolic.alloc : !systolic.sram<weight, 6xf32>
// WS-NEXT:  systolic.configure <mac, ws> {
// WS-NEXT:    systolic.load %w[0, 0] -> %linear_w[0, 0] sizes [6, 16]
// WS-NEXT:    systolic.load %b[0, 0] -> %linear_b[0, 0] sizes [1, 6]
// WS-NEXT:    systolic.load %x[0, 0] -> %linear_x[0, 0] sizes [16, 16]
// W^T's k x n tiles are stationary (n over the 4 columns, k over the 8 rows), slots alternate,
// and the second k fold accumulates:
// WS-NEXT:    systolic.preload_tile %linear_w[0, 0] sizes [4, 8] transpose -> slot 0
// WS-NEXT:    systolic.matmul_tile a %linear_x[0, 0] slot 0 -> %linear_y[0, 0] m 16 n 4 k 8 :
// WS-NEXT:    systolic.preload_tile %linear_w[0, 8] sizes [4, 8] transpose -> slot 1
// WS-NEXT:    systolic.matmul_tile a %linear_x[0, 8] slot 1 -> %linear_y[0, 0] m 16 n 4 k 8 accumulate
// The partial n fold (6 = 4 + 2) narrows the tile:
// WS-NEXT:    systolic.preload_tile %linear_w[4, 0] sizes [2, 8] transpose -> slot 0
// WS-NEXT:    systolic.matmul_tile a %linear_x[0, 0] slot 0 -> %linear_y[0, 4] m 16 n 2 k 8 :
// WS-NEXT:    systolic.preload_tile %linear_w[4, 8] sizes [2, 8] transpose -> slot 1
// WS-NEXT:    systolic.matmul_tile a %linear_x[0, 8] slot 1 -> %linear_y[0, 4] m 16 n 2 k 8 accumulate
// WS-NEXT:    systolic.vector add %linear_y[0, 0], %linear_b[0, 0] bcast row -> %linear_y[0, 0] sizes [16, 6]
// WS-NEXT:    systolic.store %linear_y[0, 0] -> %y[0, 0] sizes [16, 6]
// WS-NEXT:  }

// is: x^T's k x m tiles are stationary and W's rows stream; the 4 folds over m (16 rows in 4
// columns) are one loop stepping down x and y.
// IS-LABEL: func.func @linear(
// IS:       systolic.configure <mac, is> {
// IS:         systolic.load %x[0, 0] -> %linear_x[0, 0] sizes [16, 16]
// IS-NEXT:    systolic.chunk_loop 4 {
// IS-NEXT:      systolic.preload_tile %linear_x[0, 0] step [4, 0] sizes [4, 8] transpose -> slot 0
// IS-NEXT:      systolic.matmul_tile b %linear_w[0, 0] slot 0 -> %linear_y[0, 0] step [4, 0] m 4 n 6 k 8 :
// IS-NEXT:      systolic.preload_tile %linear_x[0, 8] step [4, 0] sizes [4, 8] transpose -> slot 1
// IS-NEXT:      systolic.matmul_tile b %linear_w[0, 8] slot 1 -> %linear_y[0, 0] step [4, 0] m 4 n 6 k 8 accumulate
// IS-NEXT:    }
// IS-NEXT:    systolic.vector add %linear_y[0, 0], %linear_b[0, 0] bcast row
// IS-NEXT:    systolic.store %linear_y[0, 0] -> %y[0, 0] sizes [16, 6]

// os: no stationary operand (no slot); m over the 8 rows (a loop of 2), n over the 4 columns,
// all of k streamed.
// OS-LABEL: func.func @linear(
// OS:       systolic.configure <mac, os> {
// OS:         systolic.load %x[0, 0] -> %linear_x[0, 0] sizes [16, 16]
// OS-NEXT:    systolic.chunk_loop 2 {
// OS-NEXT:      systolic.matmul_tile a %linear_x[0, 0] step [8, 0] b %linear_w[0, 0] -> %linear_y[0, 0] step [8, 0] m 8 n 4 k 16 :
// OS-NEXT:      systolic.matmul_tile a %linear_x[0, 0] step [8, 0] b %linear_w[4, 0] -> %linear_y[0, 4] step [8, 0] m 8 n 2 k 16 :
// OS-NEXT:    }
// OS-NEXT:    systolic.vector add %linear_y[0, 0], %linear_b[0, 0] bcast row
// OS-NEXT:    systolic.store %linear_y[0, 0] -> %y[0, 0] sizes [16, 6]

// TPU-LABEL: func.func @linear(
// TPU:         systolic.configure <mac, os> {
// TPU:           systolic.matmul_tile a %linear_x[0, 0] b %linear_w[0, 0] -> %linear_y[0, 0] m 16 n 6 k 16 :
func.func @linear(%x: tensor<16x16xf32>, %w: tensor<6x16xf32>, %b: tensor<6xf32>) -> tensor<16x6xf32> {
  %y = nn.linear %x, %w, %b : (tensor<16x16xf32>, tensor<6x16xf32>, tensor<6xf32>) -> tensor<16x6xf32>
  func.return %y : tensor<16x6xf32>
}

// Without a bias there is no vector op. With one stationary fold per fold over m (k = 5 fits
// the 8 rows), a loop iteration holds two folds over m so that the slots keep alternating; the
// odd fold and the partial one (22 = 5 * 4 + 2) follow.
// WS-LABEL: func.func @no_bias(
// WS:         systolic.matmul_tile a %linear_x[0, 0] slot 0 -> %linear_y[0, 0] m 22 n 3 k 5 :
// WS-NEXT:    systolic.store
// IS-LABEL: func.func @no_bias(
// IS:         systolic.load %x[0, 0] -> %linear_x[0, 0] sizes [22, 5]
// IS-NEXT:    systolic.chunk_loop 2 {
// IS-NEXT:      systolic.preload_tile %linear_x[0, 0] step [8, 0] sizes [4, 5] transpose -> slot 0
// IS-NEXT:      systolic.matmul_tile b %linear_w[0, 0] slot 0 -> %linear_y[0, 0] step [8, 0] m 4 n 3 k 5 :
// IS-NEXT:      systolic.preload_tile %linear_x[4, 0] step [8, 0] sizes [4, 5] transpose -> slot 1
// IS-NEXT:      systolic.matmul_tile b %linear_w[0, 0] slot 1 -> %linear_y[4, 0] step [8, 0] m 4 n 3 k 5 :
// IS-NEXT:    }
// IS-NEXT:    systolic.preload_tile %linear_x[16, 0] sizes [4, 5] transpose -> slot 0
// IS-NEXT:    systolic.matmul_tile b %linear_w[0, 0] slot 0 -> %linear_y[16, 0] m 4 n 3 k 5 :
// IS-NEXT:    systolic.preload_tile %linear_x[20, 0] sizes [2, 5] transpose -> slot 1
// IS-NEXT:    systolic.matmul_tile b %linear_w[0, 0] slot 1 -> %linear_y[20, 0] m 2 n 3 k 5 :
// IS-NEXT:    systolic.store %linear_y[0, 0] -> %y[0, 0] sizes [22, 3]
func.func @no_bias(%x: tensor<22x5xf32>, %w: tensor<3x5xf32>) -> tensor<22x3xf32> {
  %y = nn.linear %x, %w : (tensor<22x5xf32>, tensor<3x5xf32>) -> tensor<22x3xf32>
  func.return %y : tensor<22x3xf32>
}
