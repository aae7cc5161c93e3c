// ssm.selective_scan (Mamba) on the `small` machine (8x4), two chunks of 4 steps.
// With dataflow prodf the LIMA-PEs stream the per-step coefficients the vector unit computes
// (vdexp planes); with ws a MAC-only mapping runs the recurrence on the vector unit, one
// chunk_loop iteration per timestep, after transposing B and C on the array.
// RUN: epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=prodf chunk=4}' | filecheck %s --check-prefix=PRODF
// RUN: epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=ws chunk=4}' | filecheck %s --check-prefix=WS

// Three modes pack two channels per column (segments of 3 rows): six channels in one fold.
// PRODF: systolic.configure <lima, prodf, seg 3> attributes {ssm.mode = "prodf"}
// PRODF: systolic.load %b[0, 0] -> %bc0[0, 0] sizes [4, 3]
// PRODF-NEXT: systolic.load %c[0, 0] -> %bc0[0, 3] sizes [4, 3]
// PRODF: systolic.vector softplus %delta0[0, 0] -> %delta0[0, 0] sizes [4, 6]
// PRODF-NEXT: systolic.selective_discretize %delta0[0, 0], %a_1[0, 0] -> %abar0[0, 0] sizes [4, 6, 3]
// PRODF-NEXT: systolic.vector mul %delta0[0, 0], %u0[0, 0] -> %delta0[0, 0] sizes [4, 6]
// PRODF-NEXT: systolic.selective_stream %delta0[0, 0], %abar0[0, 0], %bc0[0, 0] -> %y0[0, 0] sizes [4, 6, 3] reset
// PRODF-NEXT: systolic.vector mul %u0[0, 0], %d_1[0, 0] bcast row -> %u0[0, 0] sizes [4, 6]
// PRODF-NEXT: systolic.vector add %y0[0, 0], %u0[0, 0] -> %y0[0, 0] sizes [4, 6]
// PRODF-NEXT: systolic.vector silu %z0[0, 0] -> %z0[0, 0] sizes [4, 6]
// PRODF-NEXT: systolic.vector mul %y0[0, 0], %z0[0, 0] -> %y0[0, 0] sizes [4, 6]
// PRODF-NEXT: systolic.store %y0[0, 0] -> %y[0, 0] sizes [4, 6]
// The second chunk continues the states held in the PEs.
// PRODF: systolic.selective_stream %delta1[0, 0], %abar1[0, 0], %bc1[0, 0] -> %y1[0, 0] sizes [4, 6, 3] :

// WS: systolic.configure <mac, ws>
// WS: systolic.selective_discretize %delta0[0, 0], %a_1[0, 0] -> %abar0[0, 0] sizes [4, 6, 3]
// WS: systolic.preload_tile %bc0[0, 0] sizes [4, 3] transpose -> slot 0
// WS-NEXT: systolic.matmul_tile a %eye[0, 0] slot 0 -> %bct0[0, 0] m 3 n 4 k 3
// WS: systolic.chunk_loop 4 estimated_cycles {{[0-9]+}} attributes {ssm.mode = "recurrent"} {
// WS-NEXT: systolic.vector mul %abar0[0, 0] step [3, 0], %state[0, 0] -> %state[0, 0] sizes [3, 6]
// WS-NEXT: systolic.vector mul %bct0[0, 0] step [0, 1] bcast col, %delta0[0, 0] step [1, 0] bcast row -> %t[0, 0] sizes [3, 6]
// WS-NEXT: systolic.vector add %state[0, 0], %t[0, 0] -> %state[0, 0] sizes [3, 6]
// WS-NEXT: systolic.vector mul %bct0[3, 0] step [0, 1] bcast col, %state[0, 0] -> %t[0, 0] sizes [3, 6]
// WS-NEXT: systolic.vector csum %t[0, 0] -> %y0[0, 0] step [1, 0] sizes [3, 6]
// WS-NEXT: }
// WS-NOT: selective_stream
func.func @main(%u: tensor<8x6xf32>, %delta: tensor<8x6xf32>, %a: tensor<6x3xf32>, %b: tensor<8x3xf32>, %c: tensor<8x3xf32>, %d: tensor<6xf32>, %z: tensor<8x6xf32>) -> tensor<8x6xf32> {
  %y = ssm.selective_scan %u, %delta, %a, %b, %c, %d, %z delta_softplus : (tensor<8x6xf32>, tensor<8x6xf32>, tensor<6x3xf32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<6xf32>, tensor<8x6xf32>) -> tensor<8x6xf32>
  func.return %y : tensor<8x6xf32>
}
