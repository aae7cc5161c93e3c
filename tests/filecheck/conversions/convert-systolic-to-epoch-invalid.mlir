// convert-systolic-to-epoch's refusals, each at the op it names.
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p convert-systolic-to-epoch | filecheck %s

// CHECK: 'nn.relu' op was not lowered to the systolic level
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.relu %x : tensor<4xf32>
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: 'systolic.alloc' op has no address: run systolic-allocate-sram first
builtin.module attributes {systolic.target = #systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 4096, weight 4096, output 4096]>} {
  func.func @main(%x: !systolic.dram<4x4xf32>) -> !systolic.dram<4x4xf32> {
    %y = systolic.alloc_dram : !systolic.dram<4x4xf32>
    %b = systolic.alloc : !systolic.sram<input, 4x4xf32>
    systolic.load %x[0, 0] -> %b[0, 0] sizes [4, 4] : !systolic.dram<4x4xf32>, !systolic.sram<input, 4x4xf32>
    systolic.store %b[0, 0] -> %y[0, 0] sizes [4, 4] : !systolic.sram<input, 4x4xf32>, !systolic.dram<4x4xf32>
    func.return %y : !systolic.dram<4x4xf32>
  }
}

// -----

// CHECK: 'func.return' op result 0 must be a DRAM tensor the program writes, once
builtin.module attributes {systolic.target = #systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 4096, weight 4096, output 4096]>} {
  func.func @main(%x: !systolic.dram<4x4xf32>) -> !systolic.dram<4x4xf32> {
    func.return %x : !systolic.dram<4x4xf32>
  }
}

// -----

// The verifier catches a stepping window outside a loop before the pass would.
// CHECK: 'systolic.load' op src step [4, 0] needs an enclosing systolic.chunk_loop
builtin.module attributes {systolic.target = #systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 4096, weight 4096, output 4096]>} {
  func.func @main(%x: !systolic.dram<8x4xf32>) -> !systolic.dram<4x4xf32> {
    %y = systolic.alloc_dram : !systolic.dram<4x4xf32>
    %b = systolic.alloc at 0 : !systolic.sram<input, 4x4xf32>
    systolic.load %x[0, 0] step [4, 0] -> %b[0, 0] sizes [4, 4] : !systolic.dram<8x4xf32>, !systolic.sram<input, 4x4xf32>
    systolic.store %b[0, 0] -> %y[0, 0] sizes [4, 4] : !systolic.sram<input, 4x4xf32>, !systolic.dram<4x4xf32>
    func.return %y : !systolic.dram<4x4xf32>
  }
}

// -----

// A module naming its machine may use only that machine's DRAM.
// CHECK: 'systolic.alloc_dram' op needs DRAM words up to 16777248, beyond the 16777216 words (64 MiB) of 'tiny'
builtin.module attributes {epoch.machine = #epoch.machine<"tiny", {array = {preload_overlap = false}, clock_ghz = 1.000000e+00 : f64, cols = 4 : i64, control = {loop_depth = 4 : i64, max_instructions = 1048576 : i64}, dram = {bandwidth_bytes_per_cycle = 1.600000e+01 : f64, latency_cycles = 20 : i64, mib = 64 : i64}, energy = {dram_byte_pj = 1.600000e+02 : f64, fp_add_pj = 9.000000e-01 : f64, fp_mul_pj = 3.700000e+00 : f64, leakage_pj_per_pe_cycle = 1.000000e-02 : f64, source = "test", sram_byte_pj = 1.250000e+00 : f64}, name = "tiny", pe = "lima", rows = 4 : i64, sram = {banks = [{kib = 16 : i64, name = "input"}, {kib = 16 : i64, name = "weight"}, {kib = 16 : i64, name = "output"}]}, vector = {lanes = 4 : i64, latency = {add = 2 : i64, copy = 1 : i64, div = 8 : i64, exp = 8 : i64, gelu = 12 : i64, mul = 3 : i64, reduce = 4 : i64, relu = 1 : i64, rsqrt = 8 : i64, sigmoid = 10 : i64, silu = 10 : i64, softplus = 10 : i64}}}>, systolic.target = #systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 4096, weight 4096, output 4096]>} {
  func.func @main(%x: !systolic.dram<4x4xf32>) -> !systolic.dram<4x4xf32> {
    %y = systolic.alloc_dram : !systolic.dram<4x4xf32>
    %big = systolic.alloc_dram : !systolic.dram<4096x4096xf32>
    %b = systolic.alloc at 0 : !systolic.sram<input, 4x4xf32>
    systolic.load %x[0, 0] -> %b[0, 0] sizes [4, 4] : !systolic.dram<4x4xf32>, !systolic.sram<input, 4x4xf32>
    systolic.store %b[0, 0] -> %big[0, 0] sizes [4, 4] : !systolic.sram<input, 4x4xf32>, !systolic.dram<4096x4096xf32>
    systolic.store %b[0, 0] -> %y[0, 0] sizes [4, 4] : !systolic.sram<input, 4x4xf32>, !systolic.dram<4x4xf32>
    func.return %y : !systolic.dram<4x4xf32>
  }
}

// -----

// Views are folded before instruction selection.
// CHECK: 'systolic.reverse' op is a view: run systolic-fold-views before convert-systolic-to-epoch
builtin.module attributes {systolic.target = #systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 4096, weight 4096, output 4096]>} {
  func.func @main(%x: !systolic.dram<4x4xf32>) -> !systolic.dram<4x4xf32> {
    %y = systolic.alloc_dram : !systolic.dram<4x4xf32>
    %r = systolic.reverse %x : !systolic.dram<4x4xf32>
    %b = systolic.alloc at 0 : !systolic.sram<input, 4x4xf32>
    systolic.load %r[0, 0] -> %b[0, 0] sizes [4, 4] : !systolic.dram<4x4xf32>, !systolic.sram<input, 4x4xf32>
    systolic.store %b[0, 0] -> %y[0, 0] sizes [4, 4] : !systolic.sram<input, 4x4xf32>, !systolic.dram<4x4xf32>
    func.return %y : !systolic.dram<4x4xf32>
  }
}
