// What the conversions do with the ops nn-fuse-elementwise marked. An add: the producer loads the
// other operand into each output chunk's buffer where the buffer is free, its array writes
// accumulate onto it, and its stores go to the sum; the add and the producer's own tensor are
// gone. An activation: the producer applies it in place to each chunk before the store. Without
// the pass each is a vector pass of its own, with a DRAM round trip.
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},nn-fuse-elementwise,convert-func-to-systolic,convert-ssm-to-systolic{chunk=16},convert-nn-to-systolic{chunk-rows=16},reconcile-unrealized-casts,systolic-fold-views' | filecheck %s
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{chunk=16},convert-nn-to-systolic{chunk-rows=16},reconcile-unrealized-casts,systolic-fold-views' | filecheck %s --check-prefix=UNFUSED
// Under os a chunk's GEMM folds step down its rows in a loop; the loop's writes cover the chunk:
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},nn-fuse-elementwise,convert-func-to-systolic,convert-ssm-to-systolic{chunk=16},convert-nn-to-systolic{dataflow=os chunk-rows=32},reconcile-unrealized-casts,systolic-fold-views' | filecheck %s --check-prefix=OS

// The residual add of a block: each chunk of %x goes into the GEMM's output buffer (chunk 1's
// while chunk 0 is computed), both column folds accumulate onto it, the bias adds in place.
// CHECK-LABEL: func.func @residual
// CHECK-NEXT:  %y = systolic.alloc_dram : !systolic.dram<64x8xf32>
// CHECK-NOT:   systolic.alloc_dram
// CHECK:       systolic.load %x[0, 0] -> %linear_y0[0, 0] sizes [16, 8]
// CHECK-NEXT:  systolic.load %x[16, 0] -> %linear_y1[0, 0] sizes [16, 8]
// CHECK:       systolic.matmul_tile a %linear_x0[0, 0] slot 0 -> %linear_y0[0, 0] m 16 n 4 k 8 accumulate
// CHECK:       systolic.matmul_tile a %linear_x0[0, 0] slot 1 -> %linear_y0[0, 4] m 16 n 4 k 8 accumulate
// CHECK-NEXT:  systolic.vector add %linear_y0[0, 0], %linear_b[0, 0] bcast row -> %linear_y0[0, 0]
// CHECK-NEXT:  systolic.store %linear_y0[0, 0] -> %y[0, 0] sizes [16, 8]
// The next chunk for this buffer is loaded as soon as the store has been issued:
// CHECK-NEXT:  systolic.load %x[32, 0] -> %linear_y0[0, 0] sizes [16, 8]
// CHECK-NOT:   systolic.vector add {{.*}}%add
// UNFUSED-LABEL: func.func @residual
// UNFUSED:       systolic.vector add %add_in
// OS-LABEL:      func.func @residual
// OS:            systolic.load %x[0, 0] -> %linear_y0[0, 0] sizes [32, 8]
// OS:            systolic.chunk_loop 4 {
// OS-NEXT:       systolic.matmul_tile a %linear_x0[0, 0] step [8, 0] b %linear_w[0, 0] -> %linear_y0[0, 0] step [8, 0] m 8 n 4 k 8 accumulate
// OS-NEXT:       systolic.matmul_tile a %linear_x0[0, 0] step [8, 0] b %linear_w[4, 0] -> %linear_y0[0, 4] step [8, 0] m 8 n 4 k 8 accumulate
// OS:            systolic.store %linear_y0[0, 0] -> %y[0, 0] sizes [32, 8]
// OS-NOT:        %add_in
func.func @residual(%x: tensor<64x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<64x8xf32> {
  %o = nn.linear %x, %w, %b : (tensor<64x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<64x8xf32>
  %y = nn.add %o, %x : tensor<64x8xf32>
  func.return %y : tensor<64x8xf32>
}

// -----

// A bidirectional layer with N = 16 modes on 8 rows (two mode folds). The backward scan reads
// %u and accumulates onto %f through mirrored windows (row stride -4): its first fold starts
// from %f's mirror rows, the second reloads the sum the first stored.
// CHECK-LABEL: func.func @bidirectional
// CHECK:       %sum = systolic.alloc_dram : !systolic.dram<32x4xf32>
// CHECK-NOT:   systolic.alloc_dram
// CHECK:       systolic.load %y[31, 0] stride -4 -> %y0_1[0, 0] sizes [16, 4]
// CHECK-NEXT:  systolic.load %y[15, 0] stride -4 -> %y1_1[0, 0] sizes [16, 4]
// CHECK:       systolic.stream %u0_1[0, 0] -> %y0_1[0, 0] sizes [16, 4] slot 0 reset accumulate
// CHECK-NEXT:  systolic.store %y0_1[0, 0] -> %sum[31, 0] stride -4 sizes [16, 4]
// CHECK:       systolic.load %sum[31, 0] stride -4 -> %y0_1[0, 0] sizes [16, 4]
// CHECK:       systolic.stream %u0_1[0, 0] -> %y0_1[0, 0] sizes [16, 4] slot 1 reset accumulate
// CHECK-NEXT:  systolic.store %y0_1[0, 0] -> %sum[31, 0] stride -4 sizes [16, 4]
// CHECK-NOT:   systolic.vector add
// CHECK:       func.return %sum
// UNFUSED-LABEL: func.func @bidirectional
// UNFUSED:       systolic.vector add %add_in
func.func @bidirectional(%u: tensor<32x4xf32>, %a: tensor<4x16xcomplex<f32>>, %b: tensor<4x16xcomplex<f32>>, %c: tensor<4x16xcomplex<f32>>, %d: tensor<4xf32>) -> tensor<32x4xf32> {
  %f = ssm.scan %u, %a, %b, %c, %d : (tensor<32x4xf32>, tensor<4x16xcomplex<f32>>, tensor<4x16xcomplex<f32>>, tensor<4x16xcomplex<f32>>, tensor<4xf32>) -> tensor<32x4xf32>
  %r = nn.reverse %u : tensor<32x4xf32>
  %s = ssm.scan %r, %a, %b, %c, %d : (tensor<32x4xf32>, tensor<4x16xcomplex<f32>>, tensor<4x16xcomplex<f32>>, tensor<4x16xcomplex<f32>>, tensor<4xf32>) -> tensor<32x4xf32>
  %back = nn.reverse %s : tensor<32x4xf32>
  %sum = nn.add %f, %back : tensor<32x4xf32>
  func.return %sum : tensor<32x4xf32>
}

// -----

// An activation after a GEMM: one in-place vector op per chunk before its store.
// CHECK-LABEL: func.func @epilogue
// CHECK-NEXT:  %y = systolic.alloc_dram : !systolic.dram<32x8xf32>
// CHECK-NOT:   systolic.alloc_dram
// CHECK:       systolic.matmul_tile a %linear_x0[0, 0] slot 1 -> %linear_y0[0, 4] m 16 n 4 k 8 :
// CHECK-NEXT:  systolic.vector gelu %linear_y0[0, 0] -> %linear_y0[0, 0] sizes [16, 8]
// CHECK-NEXT:  systolic.store %linear_y0[0, 0] -> %y[0, 0] sizes [16, 8]
// UNFUSED-LABEL: func.func @epilogue
// UNFUSED:       systolic.vector gelu %gelu_in
func.func @epilogue(%x: tensor<32x8xf32>, %w: tensor<8x8xf32>) -> tensor<32x8xf32> {
  %o = nn.linear %x, %w : (tensor<32x8xf32>, tensor<8x8xf32>) -> tensor<32x8xf32>
  %y = nn.gelu %o : tensor<32x8xf32>
  func.return %y : tensor<32x8xf32>
}

// -----

// A bidirectional layer's gelu(f + reverse(s)): the backward scan accumulates onto f's mirror
// rows, applies the gelu and stores through the mirrored window; neither the sum nor s exists.
// CHECK-LABEL: func.func @bidirectional_gelu
// CHECK:       %g = systolic.alloc_dram : !systolic.dram<32x4xf32>
// CHECK-NOT:   systolic.alloc_dram
// CHECK:       systolic.stream %u0_1[0, 0] -> %y0_1[0, 0] sizes [16, 4] slot 0 reset accumulate
// CHECK-NEXT:  systolic.vector gelu %y0_1[0, 0] -> %y0_1[0, 0] sizes [16, 4]
// CHECK-NEXT:  systolic.store %y0_1[0, 0] -> %g[31, 0] stride -4 sizes [16, 4]
// CHECK:       func.return %g
func.func @bidirectional_gelu(%u: tensor<32x4xf32>, %a: tensor<4x4xcomplex<f32>>, %b: tensor<4x4xcomplex<f32>>, %c: tensor<4x4xcomplex<f32>>, %d: tensor<4xf32>) -> tensor<32x4xf32> {
  %f = ssm.scan %u, %a, %b, %c, %d : (tensor<32x4xf32>, tensor<4x4xcomplex<f32>>, tensor<4x4xcomplex<f32>>, tensor<4x4xcomplex<f32>>, tensor<4xf32>) -> tensor<32x4xf32>
  %r = nn.reverse %u : tensor<32x4xf32>
  %s = ssm.scan %r, %a, %b, %c, %d : (tensor<32x4xf32>, tensor<4x4xcomplex<f32>>, tensor<4x4xcomplex<f32>>, tensor<4x4xcomplex<f32>>, tensor<4xf32>) -> tensor<32x4xf32>
  %back = nn.reverse %s : tensor<32x4xf32>
  %sum = nn.add %f, %back : tensor<32x4xf32>
  %g = nn.gelu %sum : tensor<32x4xf32>
  func.return %g : tensor<32x4xf32>
}

// -----

// A layer norm of the sum a linear computes: the linear normalises each output chunk while it
// is in SRAM, one and two chunks behind its GEMM (centring chunk i - 1, scaling chunk i - 2,
// then the folds of chunk i), and stores both tensors. The residual for a chunk's buffer is
// loaded once the array has summed the squares the buffer held.
// CHECK-LABEL: func.func @residual_norm
// CHECK:       %y = systolic.alloc_dram : !systolic.dram<64x8xf32>
// CHECK:       %n = systolic.alloc_dram : !systolic.dram<64x8xf32>
// CHECK-NOT:   layer_norm
// CHECK:       systolic.store %linear_y0[0, 0] -> %y[0, 0] sizes [16, 8]
// CHECK:       systolic.matmul_tile a %linear_y0[0, 0] slot 0 -> %linear_mean0[0, 0] m 16 n 1 k 8
// CHECK-NEXT:  systolic.vector sub %linear_y0[0, 0], %linear_mean0[0, 0] bcast col -> %linear_norm_out0[0, 0] sizes [16, 8]
// CHECK-NEXT:  systolic.vector mul %linear_norm_out0[0, 0], %linear_norm_out0[0, 0] -> %linear_y0[0, 0] sizes [16, 8]
// CHECK:       systolic.store %linear_y1[0, 0] -> %y[16, 0] sizes [16, 8]
// CHECK:       systolic.matmul_tile a %linear_y0[0, 0] slot 0 -> %linear_rstd0[0, 0] m 16 n 1 k 8
// CHECK-NEXT:  systolic.load %x[32, 0] -> %linear_y0[0, 0] sizes [16, 8]
// CHECK:       systolic.store %linear_norm_out0[0, 0] -> %n[0, 0] sizes [16, 8]
// CHECK:       systolic.store %linear_norm_out1[0, 0] -> %n[48, 0] sizes [16, 8]
// CHECK-NEXT:  }
// CHECK-NEXT:  func.return %y, %n
// UNFUSED-LABEL: func.func @residual_norm
// UNFUSED:       %layer_norm_out{{0?}} = systolic.alloc
func.func @residual_norm(%x: tensor<64x8xf32>, %w: tensor<8x8xf32>, %gamma: tensor<8xf32>, %beta: tensor<8xf32>) -> (tensor<64x8xf32>, tensor<64x8xf32>) {
  %o = nn.linear %x, %w : (tensor<64x8xf32>, tensor<8x8xf32>) -> tensor<64x8xf32>
  %y = nn.add %o, %x : tensor<64x8xf32>
  %n = nn.layer_norm %y, %gamma, %beta : (tensor<64x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<64x8xf32>
  func.return %y, %n : tensor<64x8xf32>, tensor<64x8xf32>
}
