// Windows with an explicit row stride (`stride S` after the corner): GEMM operands a and b, and
// both sides of load and store. Row i of such a window starts i * S elements after its corner
// (S may be negative or zero), so T[t, s] = K[t - s] reads a reversed kernel in place.
// RUN: EPOCH_ROUNDTRIP
// Custom -> custom and custom -> generic -> custom print identical text:
// RUN: epoch opt %s > %t
// RUN: epoch opt %t | diff %t -
// RUN: epoch opt %s --print-op-generic | epoch opt | diff %t -
// RUN: epoch opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC
// Each stride becomes the instruction's row stride (words), the corner its address:
// RUN: epoch opt %s -p 'systolic-allocate-sram,convert-systolic-to-epoch' | filecheck %s --check-prefix=EPOCH

#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
// CHECK-LABEL: func.func @toeplitz
builtin.module attributes {systolic.target = #t} {
  func.func @toeplitz(%u: !systolic.dram<6x2xf32>, %kv: !systolic.dram<2x12xf32>) -> !systolic.dram<6x2xf32> {
    %y = systolic.alloc_dram : !systolic.dram<6x2xf32>
    %k = systolic.alloc : !systolic.sram<weight, 2x12xf32>
    %ut = systolic.alloc : !systolic.sram<input, 2x6xf32>
    %yb = systolic.alloc : !systolic.sram<output, 6x2xf32>
    systolic.load %kv[0, 0] -> %k[0, 0] sizes [2, 12] : !systolic.dram<2x12xf32>, !systolic.sram<weight, 2x12xf32>
    // A column of u (DRAM rows of 2 words) written as a row of %ut: the destination's rows one
    // element apart.
    // CHECK: systolic.chunk_loop 2 {
    // CHECK-NEXT: systolic.load %u[0, 0] step [0, 1] -> %ut[0, 0] stride 1 step [1, 0] sizes [6, 1] : !systolic.dram<6x2xf32>, !systolic.sram<input, 2x6xf32>
    // GENERIC: "systolic.load"(%u, %ut) <{src_offsets = array<i64: 0, 0>, src_step = array<i64: 0, 1>, dst_offsets = array<i64: 0, 0>, dst_step = array<i64: 1, 0>, dst_row_stride = 1 : i64, sizes = array<i64: 6, 1>}>
    // EPOCH: epoch.loop 2, r{{[0-9]+}} += 1, r{{[0-9]+}} += 6 {
    // EPOCH-NEXT: epoch.load 0(r{{[0-9]+}}), 0(r{{[0-9]+}}), 6, 1, 1, 2
    systolic.chunk_loop 2 {
      systolic.load %u[0, 0] step [0, 1] -> %ut[0, 0] stride 1 step [1, 0] sizes [6, 1] : !systolic.dram<6x2xf32>, !systolic.sram<input, 2x6xf32>
    }
    systolic.configure <mac, os> {
      // T[t, s] = element 5 - t + s of a kernel row: stride -1 from column 5.
      // CHECK: systolic.matmul_tile a %k[0, 5] stride -1 step [1, 0] b %ut[0, 0] step [1, 0] -> %yb[0, 0] step [0, 1] m 6 n 1 k 6 : !systolic.sram<weight, 2x12xf32>, !systolic.sram<input, 2x6xf32>, !systolic.sram<output, 6x2xf32>
      // GENERIC: a_row_stride = -1 : i64
      // EPOCH: epoch.mm 0, {{.*}}, 6, 1, 6, 2, -1, 6
      systolic.chunk_loop 2 {
        systolic.matmul_tile a %k[0, 5] stride -1 step [1, 0] b %ut[0, 0] step [1, 0] -> %yb[0, 0] step [0, 1] m 6 n 1 k 6 : !systolic.sram<weight, 2x12xf32>, !systolic.sram<input, 2x6xf32>, !systolic.sram<output, 6x2xf32>
      }
    }
    systolic.configure <mac, is> {
      // The same rows as b (is streams b), the result written transposed; a stride of 0
      // repeats one row.
      systolic.preload_tile %ut[0, 0] sizes [1, 6] transpose -> slot 0 : !systolic.sram<input, 2x6xf32>
      // CHECK: systolic.matmul_tile b %k[0, 5] stride -1 slot 0 -> %yb[0, 0] m 1 n 6 k 6 accumulate transpose_out
      systolic.matmul_tile b %k[0, 5] stride -1 slot 0 -> %yb[0, 0] m 1 n 6 k 6 accumulate transpose_out : !systolic.sram<weight, 2x12xf32>, !systolic.sram<output, 6x2xf32>
      // CHECK: systolic.matmul_tile b %k[1, 0] stride 0 slot 0 -> %yb[0, 1] m 1 n 6 k 6 transpose_out
      // EPOCH: epoch.mm 0, {{.*}}, 1, 6, 6, 2, 0, -1 acc tout
      // EPOCH-NEXT: epoch.mm 0, {{.*}}, 1, 6, 6, 2, 0, 0 tout
      systolic.matmul_tile b %k[1, 0] stride 0 slot 0 -> %yb[0, 1] m 1 n 6 k 6 transpose_out : !systolic.sram<weight, 2x12xf32>, !systolic.sram<output, 6x2xf32>
    }
    // CHECK: systolic.store %yb[0, 0] -> %y[0, 0] sizes [6, 2]
    systolic.store %yb[0, 0] -> %y[0, 0] sizes [6, 2] : !systolic.sram<output, 6x2xf32>, !systolic.dram<6x2xf32>
    func.return %y : !systolic.dram<6x2xf32>
  }
}
