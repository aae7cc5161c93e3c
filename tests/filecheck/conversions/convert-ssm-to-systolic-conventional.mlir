// The recurrent mode of the conventional mapping of ssm.scan (dataflow=ws|os|is) on the `small`
// machine, forced with mode=recurrent (these short sequences would take the convolution mode
// when its estimate is lower: convert-ssm-to-systolic-convolution.mlir): the recurrence on the
// vector unit, one chunk_loop iteration per timestep, each loop annotated with the mode and both
// modes' estimated cycles.
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=ws mode=recurrent}' | filecheck %s --check-prefixes=CHECK,WS
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=os mode=recurrent}' | filecheck %s --check-prefixes=CHECK,OS
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=is mode=recurrent}' | filecheck %s --check-prefixes=CHECK,IS

// Complex constant coefficients: the stacked f32 planes (modes x channels) are folded at compile
// time, A1 = [Re a; Re a], A2 = [-Im a; Im a], B2 = [Re b; Im b], C2 = [Re c; -Im c]; the state
// is [Re s; Im s; Re s] (3 x 2) and a timestep is nine vector instructions. The convolution
// estimate is lower here (the kernel of constants is free): mode=auto would take that mode.
// CHECK-LABEL: func.func @complex_constants
// CHECK:        %a1_values = systolic.constant dense<{{\[\[}}5.000000e-01, 7.500000e-01], [5.000000e-01, 7.500000e-01]]> : tensor<2x2xf32>
// CHECK-NEXT:   %a1 = systolic.alloc : !systolic.sram<weight, 2x2xf32>
// CHECK-NEXT:   systolic.load %a1_values[0, 0] -> %a1[0, 0] sizes [2, 2]
// CHECK-NEXT:   %a2_values = systolic.constant dense<{{\[\[}}-2.500000e-01, 5.000000e-01], [2.500000e-01, -5.000000e-01]]> : tensor<2x2xf32>
// CHECK:        %b2_values = systolic.constant dense<{{\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK:        %c2_values = systolic.constant dense<{{\[\[}}5.000000e+00, 7.000000e+00], [-6.000000e+00, -8.000000e+00]]> : tensor<2x2xf32>
// CHECK:        systolic.load %d[0, 0] -> %d_row[0, 0] sizes [1, 2]
// CHECK-NEXT:   %zero_state = systolic.constant dense<0.000000e+00> : tensor<3x2xf32>
// CHECK-NEXT:   %state = systolic.alloc : !systolic.sram<weight, 3x2xf32>
// CHECK-NEXT:   systolic.load %zero_state[0, 0] -> %state[0, 0] sizes [3, 2]
// CHECK-NEXT:   %t = systolic.alloc : !systolic.sram<weight, 2x2xf32>
// CHECK-NEXT:   %u0 = systolic.alloc : !systolic.sram<input, 6x2xf32>
// CHECK-NEXT:   %y0 = systolic.alloc : !systolic.sram<output, 6x2xf32>
// CHECK-NEXT:   systolic.load %u[0, 0] -> %u0[0, 0] sizes [6, 2]
// CHECK-NEXT:   systolic.chunk_loop 6 estimated_cycles 204 attributes {ssm.mode = "recurrent", ssm.estimates = {recurrent = 204 : i64, convolution = {{[0-9]+}} : i64}} {
// CHECK-NEXT:     systolic.vector mul %a2[0, 0], %state[1, 0] -> %t[0, 0] sizes [2, 2]
// CHECK-NEXT:     systolic.vector mul %a1[0, 0], %state[0, 0] -> %state[0, 0] sizes [2, 2]
// CHECK-NEXT:     systolic.vector add %state[0, 0], %t[0, 0] -> %state[0, 0] sizes [2, 2]
// CHECK-NEXT:     systolic.vector mul %b2[0, 0], %u0[0, 0] step [1, 0] bcast row -> %t[0, 0] sizes [2, 2]
// CHECK-NEXT:     systolic.vector add %state[0, 0], %t[0, 0] -> %state[0, 0] sizes [2, 2]
// CHECK-NEXT:     systolic.vector copy %state[0, 0] -> %state[2, 0] sizes [1, 2]
// CHECK-NEXT:     systolic.vector mul %c2[0, 0], %state[0, 0] -> %t[0, 0] sizes [2, 2]
// CHECK-NEXT:     systolic.vector mul %d_row[0, 0], %u0[0, 0] step [1, 0] -> %y0[0, 0] step [1, 0] sizes [1, 2]
// CHECK-NEXT:     systolic.vector csum %t[0, 0] -> %y0[0, 0] step [1, 0] sizes [2, 2] imm 1.000000e+00 accumulate
// CHECK-NEXT:   }
// CHECK-NEXT:   systolic.store %y0[0, 0] -> %y[0, 0] sizes [6, 2]
func.func @complex_constants(%u: tensor<6x2xf32>, %d: tensor<2xf32>) -> tensor<6x2xf32> {
  %a = arith.constant dense<[[(0.5,0.25)], [(0.75,-0.5)]]> : tensor<2x1xcomplex<f32>>
  %b = arith.constant dense<[[(1.0,2.0)], [(3.0,4.0)]]> : tensor<2x1xcomplex<f32>>
  %c = arith.constant dense<[[(5.0,6.0)], [(7.0,8.0)]]> : tensor<2x1xcomplex<f32>>
  %y = ssm.scan %u, %a, %b, %c, %d : (tensor<6x2xf32>, tensor<2x1xcomplex<f32>>, tensor<2x1xcomplex<f32>>, tensor<2x1xcomplex<f32>>, tensor<2xf32>) -> tensor<6x2xf32>
  func.return %y : tensor<6x2xf32>
}

// -----

// Real coefficients computed at run time are transposed on the array, P^T = I @ P^T, in the
// requested dataflow (an identity tile of min(rows, cols, N) = 3), then six vector instructions
// per timestep.
// CHECK-LABEL: func.func @real_runtime
// CHECK:        %identity = systolic.constant dense<{{\[\[}}1.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 1.000000e+00]]> : tensor<3x3xf32>
// CHECK:        systolic.load %a[0, 0] -> %abar_hn[0, 0] sizes [5, 3]
// WS:           systolic.configure <mac, ws> {
// WS-NEXT:        systolic.preload_tile %abar_hn[0, 0] sizes [4, 3] transpose -> slot 0
// WS-NEXT:        systolic.matmul_tile a %eye[0, 0] slot 0 -> %abar_nh[0, 0] m 3 n 4 k 3
// WS-NEXT:        systolic.preload_tile %abar_hn[4, 0] sizes [1, 3] transpose -> slot 1
// WS-NEXT:        systolic.matmul_tile a %eye[0, 0] slot 1 -> %abar_nh[0, 4] m 3 n 1 k 3
// OS:           systolic.configure <mac, os> {
// OS-NEXT:        systolic.matmul_tile a %eye[0, 0] b %abar_hn[0, 0] -> %abar_nh[0, 0] m 3 n 4 k 3
// OS-NEXT:        systolic.matmul_tile a %eye[0, 0] b %abar_hn[4, 0] -> %abar_nh[0, 4] m 3 n 1 k 3
// IS:           systolic.configure <mac, is> {
// IS-NEXT:        systolic.preload_tile %eye[0, 0] sizes [3, 3] transpose -> slot 0
// IS-NEXT:        systolic.matmul_tile b %abar_hn[0, 0] slot 0 -> %abar_nh[0, 0] m 3 n 5 k 3
// CHECK:        systolic.chunk_loop 6 estimated_cycles 252 attributes {ssm.mode = "recurrent", ssm.estimates = {recurrent = 252 : i64, convolution = {{[0-9]+}} : i64}} {
// CHECK-NEXT:     systolic.vector mul %abar_nh[0, 0], %state[0, 0] -> %state[0, 0] sizes [3, 5]
// CHECK-NEXT:     systolic.vector mul %bbar_nh[0, 0], %u0[0, 0] step [1, 0] bcast row -> %t[0, 0] sizes [3, 5]
// CHECK-NEXT:     systolic.vector add %state[0, 0], %t[0, 0] -> %state[0, 0] sizes [3, 5]
// CHECK-NEXT:     systolic.vector mul %c_nh[0, 0], %state[0, 0] -> %t[0, 0] sizes [3, 5]
// CHECK-NEXT:     systolic.vector mul %d_row[0, 0], %u0[0, 0] step [1, 0] -> %y0[0, 0] step [1, 0] sizes [1, 5]
// CHECK-NEXT:     systolic.vector csum %t[0, 0] -> %y0[0, 0] step [1, 0] sizes [3, 5] imm 1.000000e+00 accumulate
// CHECK-NEXT:   }
func.func @real_runtime(%u: tensor<6x5xf32>, %a: tensor<5x3xf32>, %b: tensor<5x3xf32>, %c: tensor<5x3xf32>, %d: tensor<5xf32>) -> tensor<6x5xf32> {
  %y = ssm.scan %u, %a, %b, %c, %d : (tensor<6x5xf32>, tensor<5x3xf32>, tensor<5x3xf32>, tensor<5x3xf32>, tensor<5xf32>) -> tensor<6x5xf32>
  func.return %y : tensor<6x5xf32>
}

// -----

// Long sequences: the chunk pipeline with nested loops, the outer over pairs of chunks (DRAM
// windows step two chunks), the inner over the timesteps of one chunk (rows step by one).
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=ws chunk=4 mode=recurrent}' | filecheck %s --check-prefix=CHUNKS
// CHUNKS-LABEL: func.func @recurrent_chunks
// CHUNKS:        systolic.load %u[0, 0] -> %u0[0, 0] sizes [4, 1]
// CHUNKS-NEXT:   systolic.load %u[4, 0] -> %u1[0, 0] sizes [4, 1]
// CHUNKS-NEXT:   systolic.chunk_loop 4 estimated_cycles {{[0-9]+}} attributes {ssm.mode = "recurrent"
// CHUNKS:        systolic.store %y0[0, 0] -> %y[0, 0] sizes [4, 1]
// CHUNKS-NEXT:   systolic.chunk_loop 1 estimated_cycles {{[0-9]+}} attributes {ssm.mode = "recurrent"
// CHUNKS-NEXT:     systolic.load %u[8, 0] step [8, 0] -> %u0[0, 0] sizes [4, 1]
// CHUNKS-NEXT:     systolic.chunk_loop 4 estimated_cycles {{[0-9]+}} attributes {ssm.mode = "recurrent"
// CHUNKS-NEXT:       systolic.vector mul %abar_nh[0, 0], %state[0, 0] -> %state[0, 0] sizes [1, 1]
// CHUNKS-NEXT:       systolic.vector mul %bbar_nh[0, 0], %u1[0, 0] step [1, 0] bcast row -> %t[0, 0] sizes [1, 1]
// CHUNKS:          }
// CHUNKS-NEXT:     systolic.store %y1[0, 0] -> %y[4, 0] step [8, 0] sizes [4, 1]
// CHUNKS-NEXT:     systolic.load %u[12, 0] step [8, 0] -> %u1[0, 0] sizes [4, 1]
// CHUNKS-NEXT:     systolic.chunk_loop 4
// CHUNKS:          systolic.store %y0[0, 0] -> %y[8, 0] step [8, 0] sizes [4, 1]
// CHUNKS-NEXT:   }
// CHUNKS-NEXT:   systolic.load %u[16, 0] -> %u0[0, 0] sizes [2, 1]
// CHUNKS-NEXT:   systolic.chunk_loop 4
// CHUNKS:        systolic.store %y1[0, 0] -> %y[12, 0] sizes [4, 1]
// CHUNKS-NEXT:   systolic.chunk_loop 2
// CHUNKS:        systolic.store %y0[0, 0] -> %y[16, 0] sizes [2, 1]
func.func @recurrent_chunks(%u: tensor<18x1xf32>, %d: tensor<1xf32>) -> tensor<18x1xf32> {
  %a = arith.constant dense<0.5> : tensor<1x1xf32>
  %y = ssm.scan %u, %a, %a, %a, %d : (tensor<18x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1xf32>) -> tensor<18x1xf32>
  func.return %y : tensor<18x1xf32>
}
