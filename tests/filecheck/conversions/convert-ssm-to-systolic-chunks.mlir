// ProDF chunk pipeline with a fixed chunk of 16 timesteps (chunk=16) on the `small` machine:
// chunk 0 (reset) and the load of chunk 1 are peeled, a chunk_loop runs over pairs of full
// chunks with DRAM windows stepping two chunks, the rest is unrolled.
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{chunk=16}' | filecheck %s

// L = 100: six full chunks and a tail of 4. Per loop iteration the DMA moves two loads and two
// stores of 16x4 words (4 cycles of the engine each on `small`; their 50-cycle latency overlaps
// the next transfer) while the array streams 2 x 16 steps, so the array is the busiest unit and
// the estimate is 2 x 32.
// CHECK-LABEL: func.func @chunks
// CHECK:        %u0 = systolic.alloc : !systolic.sram<input, 16x4xf32>
// CHECK-NEXT:   %u1 = systolic.alloc : !systolic.sram<input, 16x4xf32>
// CHECK-NEXT:   %y0 = systolic.alloc : !systolic.sram<output, 16x4xf32>
// CHECK-NEXT:   %y1 = systolic.alloc : !systolic.sram<output, 16x4xf32>
// CHECK-NEXT:   systolic.configure <lima, prodf> attributes {ssm.mode = "prodf"} {
// CHECK:          systolic.preload_coefficients {{.*}} -> slot 0
// CHECK-NEXT:     systolic.load %u[0, 0] -> %u0[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.load %u[16, 0] -> %u1[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [16, 4] slot 0 reset :
// CHECK-NEXT:     systolic.store %y0[0, 0] -> %y[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.chunk_loop 2 estimated_cycles 64 {
// CHECK-NEXT:       systolic.load %u[32, 0] step [32, 0] -> %u0[0, 0] sizes [16, 4]
// CHECK-NEXT:       systolic.stream %u1[0, 0] -> %y1[0, 0] sizes [16, 4] slot 0 :
// CHECK-NEXT:       systolic.store %y1[0, 0] -> %y[16, 0] step [32, 0] sizes [16, 4]
// CHECK-NEXT:       systolic.load %u[48, 0] step [32, 0] -> %u1[0, 0] sizes [16, 4]
// CHECK-NEXT:       systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [16, 4] slot 0 :
// CHECK-NEXT:       systolic.store %y0[0, 0] -> %y[32, 0] step [32, 0] sizes [16, 4]
// CHECK-NEXT:     }
// CHECK-NEXT:     systolic.load %u[96, 0] -> %u0[0, 0] sizes [4, 4]
// CHECK-NEXT:     systolic.stream %u1[0, 0] -> %y1[0, 0] sizes [16, 4] slot 0 :
// CHECK-NEXT:     systolic.store %y1[0, 0] -> %y[80, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [4, 4] slot 0 :
// CHECK-NEXT:     systolic.store %y0[0, 0] -> %y[96, 0] sizes [4, 4]
// CHECK-NEXT:   }
func.func @chunks(%u: tensor<100x4xf32>, %a: tensor<4x8xcomplex<f32>>, %b: tensor<4x8xcomplex<f32>>, %c: tensor<4x8xcomplex<f32>>, %d: tensor<4xf32>) -> tensor<100x4xf32> {
  %y = ssm.scan %u, %a, %b, %c, %d : (tensor<100x4xf32>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4x8xcomplex<f32>>, tensor<4xf32>) -> tensor<100x4xf32>
  func.return %y : tensor<100x4xf32>
}

// -----

// Mode folds over several chunks (N = 9: 8 + 1 modes, L = 64 = four chunks): the second fold
// reloads every chunk's partial outputs next to its inputs, in and out of the loop.
// CHECK-LABEL: func.func @chunks_mode_folds
// CHECK:          systolic.chunk_loop 1 estimated_cycles 32 {
// CHECK:          systolic.preload_coefficients %abar_h0_n8, %bbar_h0_n8, %c_h0_n8, %d_h0_n8 -> slot 1
// CHECK-NEXT:     systolic.load %u[0, 0] -> %u0[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.load %y[0, 0] -> %y0[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.load %u[16, 0] -> %u1[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.load %y[16, 0] -> %y1[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [16, 4] slot 1 reset accumulate :
// CHECK-NEXT:     systolic.store %y0[0, 0] -> %y[0, 0] sizes [16, 4]
// CHECK-NEXT:     systolic.chunk_loop 1 estimated_cycles 32 {
// CHECK-NEXT:       systolic.load %u[32, 0] step [32, 0] -> %u0[0, 0] sizes [16, 4]
// CHECK-NEXT:       systolic.load %y[32, 0] step [32, 0] -> %y0[0, 0] sizes [16, 4]
// CHECK-NEXT:       systolic.stream %u1[0, 0] -> %y1[0, 0] sizes [16, 4] slot 1 accumulate :
// CHECK-NEXT:       systolic.store %y1[0, 0] -> %y[16, 0] step [32, 0] sizes [16, 4]
// CHECK-NEXT:       systolic.load %u[48, 0] step [32, 0] -> %u1[0, 0] sizes [16, 4]
// CHECK-NEXT:       systolic.load %y[48, 0] step [32, 0] -> %y1[0, 0] sizes [16, 4]
// CHECK-NEXT:       systolic.stream %u0[0, 0] -> %y0[0, 0] sizes [16, 4] slot 1 accumulate :
// CHECK-NEXT:       systolic.store %y0[0, 0] -> %y[32, 0] step [32, 0] sizes [16, 4]
// CHECK-NEXT:     }
// CHECK-NEXT:     systolic.stream %u1[0, 0] -> %y1[0, 0] sizes [16, 4] slot 1 accumulate :
// CHECK-NEXT:     systolic.store %y1[0, 0] -> %y[48, 0] sizes [16, 4]
// CHECK-NEXT:   }
func.func @chunks_mode_folds(%u: tensor<64x4xf32>, %a: tensor<4x9xcomplex<f32>>, %b: tensor<4x9xcomplex<f32>>, %c: tensor<4x9xcomplex<f32>>, %d: tensor<4xf32>) -> tensor<64x4xf32> {
  %y = ssm.scan %u, %a, %b, %c, %d : (tensor<64x4xf32>, tensor<4x9xcomplex<f32>>, tensor<4x9xcomplex<f32>>, tensor<4x9xcomplex<f32>>, tensor<4xf32>) -> tensor<64x4xf32>
  func.return %y : tensor<64x4xf32>
}
