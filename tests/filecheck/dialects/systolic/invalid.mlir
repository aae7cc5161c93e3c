// Every verifier rule of the systolic dialect, one case per chunk. Types and attributes refuse
// bad parameters while being parsed (--parsing-diagnostics); ops refuse bad IR when verified
// (--verify-diagnostics). Most chunks put a small target on the module: an 8x4 LIMA array, two
// hardware loop levels, banks input 1024, weight 512 and output 1024 words.
// RUN: epoch opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s
// Every chunk must fail: no module may be printed.
// RUN: epoch opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s --check-prefix=NOMODULE
// NOMODULE-NOT: builtin.module

// A DRAM tensor is 1-D, 2-D, or 3-D (a batch of sequences).
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: systolic.dram must be 1-D, 2-D or 3-D (a batch of sequences), got shape 2x3x4x5
func.func private @f(!systolic.dram<2x3x4x5xf32>)

// -----

// Sizes are static and positive.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: systolic.dram must have positive static sizes, got 0x4
func.func private @f(!systolic.dram<0x4xf32>)

// -----

// Sizes are static.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: systolic.dram must have positive static sizes, got ?x4
func.func private @f(!systolic.dram<?x4xf32>)

// -----

// Elements are f32 or complex<f32>.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: systolic.sram must have f32 or complex<f32> elements, got f16
func.func private @f(!systolic.sram<input, 4x4xf16>)

// -----

// Only DRAM tensors hold a batch: buffers are 1-D or 2-D.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: systolic.sram must be 1-D or 2-D, got shape 2x4x4
func.func private @f(!systolic.sram<input, 2x4x4xf32>)

// -----

// A buffer names its bank.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: systolic.sram needs a bank name
func.func private @f(!systolic.sram<"", 4x4xf32>)

// -----

// PE modes.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: PE mode must be "lima" or "mac", got "fma"
func.func private @f() attributes {c = #systolic.array<fma, ws>}

// -----

// Dataflows.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: dataflow must be one of prodf, ws, os, is, got "rs"
func.func private @f() attributes {c = #systolic.array<mac, rs>}

// -----

// ProDF runs on LIMA-PEs.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: dataflow prodf needs PE mode lima, got mac
func.func private @f() attributes {c = #systolic.array<mac, prodf>}

// -----

// Conventional dataflows run on MACs.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: dataflow ws needs PE mode mac, got lima
func.func private @f() attributes {c = #systolic.array<lima, ws>}

// -----

// Segments are not negative.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: seg must be non-negative, got -2
func.func private @f() attributes {c = #systolic.array<lima, prodf, seg -2>}

// -----

// Column segments pack ProDF channels only.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: seg packs channels for prodf only, got seg 4 with os
func.func private @f() attributes {c = #systolic.array<mac, os, seg 4>}

// -----

// The target's array has rows and columns.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: target array must have at least one row and column, got 0x4
func.func private @f() attributes {t = #systolic.target<"x", 0x4, lima, loop_depth 2, banks [input 8]>}

// -----

// The array size is written ROWSxCOLS.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: expected the array's size as ROWSxCOLS
func.func private @f() attributes {t = #systolic.target<"x", 8, lima, loop_depth 2, banks [input 8]>}

// -----

// Target PE kinds.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: target PE kind must be "lima" or "mac", got "fma"
func.func private @f() attributes {t = #systolic.target<"x", 8x4, fma, loop_depth 2, banks [input 8]>}

// -----

// The front end has at least one loop level.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: target loop_depth must be positive, got 0
func.func private @f() attributes {t = #systolic.target<"x", 8x4, lima, loop_depth 0, banks [input 8]>}

// -----

// A target has banks.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: target needs one size for each of at least one bank
func.func private @f() attributes {t = #systolic.target<"x", 8x4, lima, loop_depth 2, banks []>}

// -----

// Bank names are unique.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: target bank names must be unique, got input, input
func.func private @f() attributes {t = #systolic.target<"x", 8x4, lima, loop_depth 2, banks [input 8, input 8]>}

// -----

// Banks have words.
// CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: target bank "input" must have words, got 0
func.func private @f() attributes {t = #systolic.target<"x", 8x4, lima, loop_depth 2, banks [input 0]>}

// -----

// An assigned address is a word offset, not negative.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.alloc' op address must be non-negative, got -4
  %b = systolic.alloc at -4 : !systolic.sram<input, 4x4xf32>
}

// -----

// The bank must exist on the target.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.alloc' op bank "acc" is not a bank of target "t" (input, weight, output)
  %b = systolic.alloc : !systolic.sram<acc, 4x4xf32>
}

// -----

// A buffer too big for its bank.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.alloc' op buffer of 2048 words does not fit bank "weight" of 512 words
  %b = systolic.alloc : !systolic.sram<weight, 64x16xcomplex<f32>>
}

// -----

// An address that runs the buffer past the end of its bank.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.alloc' op buffer at address 1000 of 64 words ends at 1064, past the end of bank "input" (1024 words)
  %b = systolic.alloc at 1000 : !systolic.sram<input, 4x16xf32>
}

// -----

// Coefficient planes are complex channels x modes.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.alloc_coefficients' op abar, bbar and c must be 2-D complex<f32> buffers (channels x modes), got !systolic.sram<weight, 4x4xf32>
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 4x4xf32>, !systolic.sram<weight, 4xf32>
}

// -----

// D holds one real per channel.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.alloc_coefficients' op d must be a 1-D f32 buffer of the 4 channels, got !systolic.sram<weight, 1x4xf32>
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 4x2xcomplex<f32>>, !systolic.sram<weight, 1x4xf32>
}

// -----

// The block is contiguous: one bank.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.alloc_coefficients' op d must be in bank "weight" with the planes, got "input"
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 4x2xcomplex<f32>>, !systolic.sram<input, 4xf32>
}

// -----

// The block (6 * 8 * 16 + 8 = 776 words) must fit its bank.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.alloc_coefficients' op buffer of 776 words does not fit bank "weight" of 512 words
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x16xcomplex<f32>>, !systolic.sram<weight, 8xf32>
}

// -----

// A constant's tensor has the value's shape.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.constant' op tensor has type !systolic.dram<4xf32> but the value makes !systolic.dram<2xf32>
  %w = "systolic.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> !systolic.dram<4xf32>
}

// -----

// A constant's value is a dense tensor.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: expected a dense<...> : tensor<...> value
  %w = systolic.constant 1.0 : f32
}

// -----

// Configure regions do not nest.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.configure' op must not be inside another systolic.configure
    systolic.configure <mac, os> {
    }
  }
}

// -----

// LIMA mode on a MAC-only machine.
#t = #systolic.target<"tm", 8x4, mac, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.configure' op PE mode lima needs LIMA-PEs, but target "tm" has mac PEs
  systolic.configure <lima, prodf, seg 4> {
  }
}

// -----

// A segment cannot be taller than the array.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.configure' op seg 16 exceeds the 8 rows of target "t"
  systolic.configure <lima, prodf, seg 16> {
  }
}

// -----

// The configure body takes no arguments.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.configure' op the body takes no arguments
  "systolic.configure"() <{config = #systolic.array<mac, ws>}> ({
  ^bb0(%x: i32):
  }) : () -> ()
}

// -----

// A loop runs at least once.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.chunk_loop' op count must be at least 1, got 0
  systolic.chunk_loop 0 {
  }
}

// -----

// Cycle estimates are not negative.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.chunk_loop' op estimated_cycles must be non-negative, got -1
  systolic.chunk_loop 2 estimated_cycles -1 {
  }
}

// -----

// The loop body takes no arguments.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.chunk_loop' op the body takes no arguments
  "systolic.chunk_loop"() <{count = 2 : i64}> ({
  ^bb0(%x: i32):
  }) : () -> ()
}

// -----

// Loops nest no deeper than the front end's hardware loops.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  systolic.chunk_loop 2 {
    systolic.chunk_loop 2 {
      // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.chunk_loop' op chunk loops nest 3 deep but target "t" has 2 hardware loop levels
      systolic.chunk_loop 2 {
      }
    }
  }
}

// -----

// A transfer keeps the element type.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<64x16xf32>, %z: !systolic.dram<8x4xcomplex<f32>>) {
    %b = systolic.alloc : !systolic.sram<input, 16x16xf32>
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op src has complex<f32> elements but dst has f32
    systolic.load %z[0, 0] -> %b[0, 0] sizes [8, 4] : !systolic.dram<8x4xcomplex<f32>>, !systolic.sram<input, 16x16xf32>
    func.return
  }
}

// -----

// Sizes are two positive numbers.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<64x16xf32>, %z: !systolic.dram<8x4xcomplex<f32>>) {
    %b = systolic.alloc : !systolic.sram<input, 16x16xf32>
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op sizes must be two positive numbers [rows, cols], got [16, 0]
    systolic.load %x[0, 0] -> %b[0, 0] sizes [16, 0] : !systolic.dram<64x16xf32>, !systolic.sram<input, 16x16xf32>
    func.return
  }
}

// -----

// Windows are 2-D.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<64x16xf32>, %z: !systolic.dram<8x4xcomplex<f32>>) {
    %b = systolic.alloc : !systolic.sram<input, 16x16xf32>
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op src offsets must be [row, col], got [0]
    systolic.load %x[0] -> %b[0, 0] sizes [16, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 16x16xf32>
    func.return
  }
}

// -----

// Steps are 2-D.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<64x16xf32>, %z: !systolic.dram<8x4xcomplex<f32>>) {
    %b = systolic.alloc : !systolic.sram<input, 16x16xf32>
    systolic.chunk_loop 4 {
      // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op src step must be [row, col] pairs, one per enclosing chunk loop, got [16]
      systolic.load %x[0, 0] step [16] -> %b[0, 0] sizes [16, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 16x16xf32>
    }
    func.return
  }
}

// -----

// A window that leaves the source.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<64x16xf32>, %z: !systolic.dram<8x4xcomplex<f32>>) {
    %b = systolic.alloc : !systolic.sram<input, 16x16xf32>
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op src window at [56, 0] of size [16, 16] does not fit in 64x16 (!systolic.dram<64x16xf32>)
    systolic.load %x[56, 0] -> %b[0, 0] sizes [16, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 16x16xf32>
    func.return
  }
}

// -----

// A window that leaves the destination.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<64x16xf32>, %z: !systolic.dram<8x4xcomplex<f32>>) {
    %b = systolic.alloc : !systolic.sram<input, 16x16xf32>
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.store' op dst window at [0, 8] of size [16, 16] does not fit in 64x16 (!systolic.dram<64x16xf32>)
    systolic.store %b[0, 0] -> %x[0, 8] sizes [16, 16] : !systolic.sram<input, 16x16xf32>, !systolic.dram<64x16xf32>
    func.return
  }
}

// -----

// Negative corners are outside too.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<64x16xf32>, %z: !systolic.dram<8x4xcomplex<f32>>) {
    %b = systolic.alloc : !systolic.sram<input, 16x16xf32>
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.store' op src window at [-1, 0] of size [8, 8] does not fit in 16x16 (!systolic.sram<input, 16x16xf32>)
    systolic.store %b[-1, 0] -> %x[0, 0] sizes [8, 8] : !systolic.sram<input, 16x16xf32>, !systolic.dram<64x16xf32>
    func.return
  }
}

// -----

// A 1-D tensor is one row.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%d: !systolic.dram<4xf32>) {
    %b = systolic.alloc : !systolic.sram<input, 2x4xf32>
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op src window at [0, 0] of size [2, 4] does not fit in 1x4 (!systolic.dram<4xf32>)
    systolic.load %d[0, 0] -> %b[0, 0] sizes [2, 4] : !systolic.dram<4xf32>, !systolic.sram<input, 2x4xf32>
    func.return
  }
}

// -----

// Constants are read-only (cse may merge equal ones).
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %z = systolic.constant dense<0.000000e+00> : tensor<16xf32>
  %b = systolic.alloc : !systolic.sram<input, 16xf32>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.store' op dst is a systolic.constant, which is read-only
  systolic.store %b[0, 0] -> %z[0, 0] sizes [1, 16] : !systolic.sram<input, 16xf32>, !systolic.dram<16xf32>
}

// -----

// A step outside a chunk loop.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<64x16xf32>, %z: !systolic.dram<8x4xcomplex<f32>>) {
    %b = systolic.alloc : !systolic.sram<input, 16x16xf32>
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op src step [16, 0] needs an enclosing systolic.chunk_loop
    systolic.load %x[0, 0] step [16, 0] -> %b[0, 0] sizes [16, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 16x16xf32>
    func.return
  }
}

// -----

// A step for the loop around the innermost one, but only one loop encloses the window.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<64x16xf32>, %z: !systolic.dram<8x4xcomplex<f32>>) {
    %b = systolic.alloc : !systolic.sram<input, 16x16xf32>
    systolic.chunk_loop 2 {
      // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op src step [16, 0, 32, 0] needs 2 nested ones
      systolic.load %x[0, 0] step [16, 0, 32, 0] -> %b[0, 0] sizes [16, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 16x16xf32>
    }
    func.return
  }
}

// -----

// Two nested loops move the window, 16 rows per inner and 48 per outer iteration: the last
// iteration of both starts at row 64 of 64. The error names the iteration of each loop,
// innermost first.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<64x16xf32>, %z: !systolic.dram<8x4xcomplex<f32>>) {
    %b = systolic.alloc : !systolic.sram<input, 16x16xf32>
    systolic.chunk_loop 2 {
      systolic.chunk_loop 2 {
        // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op src window at [64, 0] of size [16, 16] at iteration 2 of 2, 2 of 2 does not fit in 64x16 (!systolic.dram<64x16xf32>)
        systolic.load %x[0, 0] step [16, 0, 48, 0] -> %b[0, 0] sizes [16, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 16x16xf32>
      }
      // in bounds: the outer loop's two iterations start at rows 0 and 32
      systolic.load %x[16, 0] step [32, 0] -> %b[0, 0] sizes [16, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 16x16xf32>
    }
    func.return
  }
}

// -----

// The last iteration of the loop leaves the tensor: 5 chunks of 16 rows in 64.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<64x16xf32>, %z: !systolic.dram<8x4xcomplex<f32>>) {
    %b = systolic.alloc : !systolic.sram<input, 16x16xf32>
    systolic.chunk_loop 5 {
      // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op src window at [64, 0] of size [16, 16] at iteration 5 of 5 does not fit in 64x16 (!systolic.dram<64x16xf32>)
      systolic.load %x[0, 0] step [16, 0] -> %b[0, 0] sizes [16, 16] : !systolic.dram<64x16xf32>, !systolic.sram<input, 16x16xf32>
    }
    func.return
  }
}

// -----

// Two slots: 0 and 1.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <lima, prodf, seg 4> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_coefficients' op slot must be 0 or 1, got 2
    systolic.preload_coefficients %a, %b, %c, %d -> slot 2 : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  }
}

// -----

// The four operands are one coefficient block, in order.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <lima, prodf, seg 4> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_coefficients' op abar, bbar, c and d must be the four results of one systolic.alloc_coefficients, in order
    systolic.preload_coefficients %b, %a, %c, %d -> slot 0 : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  }
}

// -----

// Array ops need a configuration.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_coefficients' op must be inside a systolic.configure region
  systolic.preload_coefficients %a, %b, %c, %d -> slot 0 : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
}

// -----

// Coefficients are for ProDF.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_coefficients' op needs dataflow prodf, but the enclosing systolic.configure sets ws
    systolic.preload_coefficients %a, %b, %c, %d -> slot 0 : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  }
}

// -----

// A channel's modes fit its column segment.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <lima, prodf, seg 2> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_coefficients' op 4 modes exceed the 2 rows of a column segment
    systolic.preload_coefficients %a, %b, %c, %d -> slot 0 : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  }
}

// -----

// Without segments, a channel's modes fit the array's rows.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 2x16xcomplex<f32>>, !systolic.sram<weight, 2xf32>
  systolic.configure <lima, prodf> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_coefficients' op 16 modes exceed the 8 rows of the array
    systolic.preload_coefficients %a, %b, %c, %d -> slot 0 : !systolic.sram<weight, 2x16xcomplex<f32>>, !systolic.sram<weight, 2xf32>
  }
}

// -----

// More channels than the array holds: seg 8 leaves one segment per column, 4 channels.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <lima, prodf, seg 8> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_coefficients' op 8 channels exceed the 4 the array holds (1 segments of 8 rows x 4 columns)
    systolic.preload_coefficients %a, %b, %c, %d -> slot 0 : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  }
}

// -----

// preload_tile slots.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_tile' op slot must be 0 or 1, got 3
    systolic.preload_tile %w[0, 0] sizes [8, 4] -> slot 3 : !systolic.sram<weight, 8x8xf32>
  }
}

// -----

// Tiles are f32.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_tile' op src must have f32 elements, got !systolic.sram<weight, 8x4xcomplex<f32>>
    systolic.preload_tile %a[0, 0] sizes [8, 4] -> slot 0 : !systolic.sram<weight, 8x4xcomplex<f32>>
  }
}

// -----

// The tile's window stays in its buffer.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_tile' op src window at [4, 0] of size [8, 4] does not fit in 8x8 (!systolic.sram<weight, 8x8xf32>)
    systolic.preload_tile %w[4, 0] sizes [8, 4] -> slot 0 : !systolic.sram<weight, 8x8xf32>
  }
}

// -----

// Output-stationary keeps no preloaded tile.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, os> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_tile' op needs dataflow ws or is, but the enclosing systolic.configure sets os
    systolic.preload_tile %w[0, 0] sizes [8, 4] -> slot 0 : !systolic.sram<weight, 8x8xf32>
  }
}

// -----

// A tile wider than the array.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_tile' op tile of 8x8 does not fit the 8x4 array
    systolic.preload_tile %w[0, 0] sizes [8, 8] -> slot 0 : !systolic.sram<weight, 8x8xf32>
  }
}

// -----

// The array holds the transposed window: 8x5 becomes 5x8.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, is> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.preload_tile' op tile of 5x8 (the window transposed) does not fit the 8x4 array
    systolic.preload_tile %w[0, 0] sizes [8, 5] transpose -> slot 0 : !systolic.sram<weight, 8x8xf32>
  }
}

// -----

// Streams carry f32.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <lima, prodf, seg 4> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.stream' op dst must have f32 elements, got !systolic.sram<weight, 8x4xcomplex<f32>>
    systolic.stream %u[0, 0] -> %a[0, 0] sizes [8, 4] slot 0 : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x4xcomplex<f32>>
  }
}

// -----

// stream slots.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <lima, prodf, seg 4> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.stream' op slot must be 0 or 1, got 5
    systolic.stream %u[0, 0] -> %y[0, 0] sizes [16, 8] slot 5 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// The stream's output window stays in its buffer.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <lima, prodf, seg 4> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.stream' op dst window at [8, 0] of size [16, 8] does not fit in 16x8 (!systolic.sram<output, 16x8xf32>)
    systolic.stream %u[0, 0] -> %y[8, 0] sizes [16, 8] slot 0 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// Streams are ProDF.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, os> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.stream' op needs dataflow prodf, but the enclosing systolic.configure sets os
    systolic.stream %u[0, 0] -> %y[0, 0] sizes [16, 8] slot 0 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// A stream over more channels than the array holds (no packing: 4 columns).
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <lima, prodf> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.stream' op 8 channels exceed the 4 the array holds (1 segments of 8 rows x 4 columns)
    systolic.stream %u[0, 0] -> %y[0, 0] sizes [16, 8] slot 0 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// A stream must cover the channels preloaded into its slot.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <lima, prodf, seg 4> {
    systolic.preload_coefficients %a, %b, %c, %d -> slot 0 : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
    systolic.chunk_loop 2 {
      // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.stream' op streams 4 channels but slot 0 holds coefficients for 8 channels
      systolic.stream %u[0, 0] -> %y[0, 0] sizes [8, 4] slot 0 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
    }
  }
}

// -----

// GEMM folds are not empty.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, os> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op m, n and k must be positive, got m 0 n 4 k 8
    systolic.matmul_tile a %u[0, 0] b %w[0, 0] -> %y[0, 0] m 0 n 4 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// GEMMs are f32.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, os> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op b must have f32 elements, got !systolic.sram<weight, 8x4xcomplex<f32>>
    systolic.matmul_tile a %u[0, 0] b %a[0, 0] -> %y[0, 0] m 4 n 4 k 4 : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// An operand comes with its offsets.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op a and b each need their offsets, and offsets their operand
    "systolic.matmul_tile"(%u, %y) <{operandSegmentSizes = array<i32: 1, 0, 1>, dst_offsets = array<i64: 0, 0>, m = 4 : i64, n = 4 : i64, k = 8 : i64, slot = 0 : i64}> : (!systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>) -> ()
  }
}

// -----

// The streamed A window (m x k) stays in its buffer.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op a window at [12, 0] of size [8, 8] does not fit in 16x8 (!systolic.sram<input, 16x8xf32>)
    systolic.matmul_tile a %u[12, 0] slot 0 -> %y[0, 0] m 8 n 4 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// The streamed B window (n x k) stays in its buffer.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, is> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op b window at [0, 0] of size [8, 16] does not fit in 8x8 (!systolic.sram<weight, 8x8xf32>)
    systolic.matmul_tile b %w[0, 0] slot 0 -> %y[0, 0] m 4 n 8 k 16 : !systolic.sram<weight, 8x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// A transposed output is n x m.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, os> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op dst window at [4, 0] of size [16, 4] does not fit in 16x8 (!systolic.sram<output, 16x8xf32>)
    systolic.matmul_tile a %u[0, 0] b %u[0, 0] -> %y[4, 0] m 4 n 16 k 8 transpose_out : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// GEMM folds need a conventional dataflow.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <lima, prodf, seg 4> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op needs dataflow ws, os or is, but the enclosing systolic.configure sets prodf
    systolic.matmul_tile a %u[0, 0] b %w[0, 0] -> %y[0, 0] m 4 n 4 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// ws streams A.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op ws needs operand a
    systolic.matmul_tile b %w[0, 0] slot 0 -> %y[0, 0] m 4 n 4 k 8 : !systolic.sram<weight, 8x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// ws keeps B^T in the slot.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op ws takes no operand b: its tile is in the slot
    systolic.matmul_tile a %u[0, 0] b %w[0, 0] slot 0 -> %y[0, 0] m 4 n 4 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// is streams B.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, is> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op is needs operand b
    systolic.matmul_tile a %u[0, 0] slot 0 -> %y[0, 0] m 4 n 4 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// is keeps A^T in the slot.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, is> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op is takes no operand a: its tile is in the slot
    systolic.matmul_tile a %u[0, 0] b %w[0, 0] slot 0 -> %y[0, 0] m 4 n 4 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// ws needs its slot.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op ws needs the slot holding its stationary tile
    systolic.matmul_tile a %u[0, 0] -> %y[0, 0] m 4 n 4 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// os streams both operands.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, os> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op os takes no slot: it keeps no stationary tile
    systolic.matmul_tile a %u[0, 0] b %w[0, 0] slot 0 -> %y[0, 0] m 4 n 4 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<weight, 8x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// matmul_tile slots.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op slot must be 0 or 1, got 7
    systolic.matmul_tile a %u[0, 0] slot 7 -> %y[0, 0] m 4 n 4 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// ws maps k to rows and n to columns: n 8 exceeds 4 columns.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op ws maps k 8 to rows and n 8 to columns, which does not fit the 8x4 array
    systolic.matmul_tile a %u[0, 0] slot 0 -> %y[0, 0] m 16 n 8 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// is maps k to rows and m to columns: m 8 exceeds 4 columns.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, is> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op is maps k 8 to rows and m 8 to columns, which does not fit the 8x4 array
    systolic.matmul_tile b %u[0, 0] slot 0 -> %y[0, 0] m 8 n 8 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// os maps m to rows and n to columns: m 16 exceeds 8 rows.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, os> {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op os maps m 16 to rows and n 4 to columns, which does not fit the 8x4 array
    systolic.matmul_tile a %u[0, 0] b %u[0, 0] -> %y[0, 0] m 16 n 4 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// ws needs B^T's k x n tile in its slot.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, ws> {
    systolic.preload_tile %w[0, 0] sizes [4, 4] transpose -> slot 1 : !systolic.sram<weight, 8x8xf32>
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op ws needs the 8x4 tile of B^T (k x n) in slot 1, but it holds a 4x4 tile
    systolic.matmul_tile a %u[0, 0] slot 1 -> %y[0, 0] m 16 n 4 k 8 : !systolic.sram<input, 16x8xf32>, !systolic.sram<output, 16x8xf32>
  }
}

// -----

// is needs A^T's k x m tile in its slot; the preload before the loop is the one it sees.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %a, %b, %c, %d = systolic.alloc_coefficients : !systolic.sram<weight, 8x4xcomplex<f32>>, !systolic.sram<weight, 8xf32>
  %u = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %y = systolic.alloc : !systolic.sram<output, 16x8xf32>
  %w = systolic.alloc : !systolic.sram<weight, 8x8xf32>
  systolic.configure <mac, is> {
    systolic.preload_tile %u[0, 0] sizes [4, 8] transpose -> slot 0 : !systolic.sram<input, 16x8xf32>
    systolic.chunk_loop 2 {
      // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op is needs the 8x2 tile of A^T (k x m) in slot 0, but it holds a 8x4 tile
      systolic.matmul_tile b %w[0, 0] slot 0 -> %y[0, 0] m 2 n 8 k 8 : !systolic.sram<weight, 8x8xf32>, !systolic.sram<output, 16x8xf32>
    }
  }
}

// -----

// Functions are the vector unit's instructions.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op function must be one of add, sub, mul, div, cmul, cdiv, exp, gelu, gelut, silu, sigmoid, softplus, relu, copy, rev, cexp, addi, muli, rsqrt, rsum, csum, got "tanh"
  systolic.vector tanh %x[0, 0] -> %x[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// Binary functions take b.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op add needs two operands, a and b
  systolic.vector add %x[0, 0] -> %x[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// Unary functions take no b.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op exp takes one operand, got b
  systolic.vector exp %x[0, 0], %x[0, 0] -> %x[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// b comes with its offsets.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op b needs its offsets, and offsets their operand
  "systolic.vector"(%x, %x, %x) <{function = "mul", a_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 16, 8>}> : (!systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>) -> ()
}

// -----

// Functions with an immediate need one.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op muli needs an imm
  systolic.vector muli %x[0, 0] -> %x[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// Functions without an immediate take none.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op relu takes no imm
  systolic.vector relu %x[0, 0] -> %x[0, 0] sizes [16, 8] imm 1.0 : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// Only reductions accumulate.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op sub cannot accumulate (only rsum, csum)
  systolic.vector sub %x[0, 0], %x[0, 0] -> %x[0, 0] sizes [16, 8] accumulate : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// Complex functions take complex<f32>.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op cmul needs complex<f32> elements, but b is !systolic.sram<input, 16x8xf32>
  systolic.vector cmul %z[0, 0], %x[0, 0] -> %z[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xcomplex<f32>>, !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xcomplex<f32>>
}

// -----

// Real functions take f32.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op exp needs f32 elements, but a is !systolic.sram<input, 16x8xcomplex<f32>>
  systolic.vector exp %z[0, 0] -> %x[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xcomplex<f32>>, !systolic.sram<input, 16x8xf32>
}

// -----

// Copies count words: a complex<f32> operand needs an even number of word columns.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op copy counts words: a has 2-word elements, so sizes must give an even number of columns, got 7
  systolic.vector copy %z[0, 0] -> %x[0, 0] sizes [16, 7] : !systolic.sram<input, 16x8xcomplex<f32>>, !systolic.sram<input, 16x8xf32>
}

// -----

// ... and each window holds the words of its own element type: 16 words of a row are 8
// complex elements of %z but 16 f32 elements of %x, one row of 8.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op dst window at [0, 0] of size [16, 16] does not fit in 16x8
  systolic.vector copy %z[0, 0] -> %x[0, 0] sizes [16, 16] : !systolic.sram<input, 16x8xcomplex<f32>>, !systolic.sram<input, 16x8xf32>
}

// -----

// Broadcast kinds.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op b broadcast must be one of none, row, col, scalar, got "diag"
  systolic.vector add %x[0, 0], %x[0, 0] bcast diag -> %x[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// Only two-operand functions broadcast a column (the ISA's abc/bbc flags).
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op a broadcast col needs a two-operand function, not exp
  systolic.vector exp %col[0, 0] bcast col -> %x[0, 0] sizes [16, 8] : !systolic.sram<input, 16x1xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// A row broadcast reads one row: a 16x8 window would not be a row.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op b window at [0, 0] of size [16, 8] does not fit in 1x8 (!systolic.sram<input, 1x8xf32>)
  systolic.vector add %x[0, 0], %r[0, 0] -> %x[0, 0] sizes [16, 8] : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 1x8xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// A column broadcast reads rows x 1.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op a window at [0, 0] of size [16, 1] does not fit in 1x8 (!systolic.sram<input, 1x8xf32>)
  systolic.vector sub %r[0, 0] bcast col, %x[0, 0] -> %x[0, 0] sizes [16, 8] : !systolic.sram<input, 1x8xf32>, !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// rsum writes one column.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op dst window at [0, 8] of size [16, 1] does not fit in 16x8 (!systolic.sram<input, 16x8xf32>)
  systolic.vector rsum %x[0, 0] -> %x[0, 8] sizes [16, 8] imm 1.250000e-01 : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// csum writes one row.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op dst window at [1, 0] of size [1, 8] does not fit in 1x8 (!systolic.sram<input, 1x8xf32>)
  systolic.vector csum %x[0, 0] -> %r[1, 0] sizes [16, 8] imm 6.250000e-02 : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 1x8xf32>
}

// -----

// Vector sizes are two positive numbers.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op sizes must be two positive numbers [rows, cols], got [16, 8, 1]
  systolic.vector relu %x[0, 0] -> %x[0, 0] sizes [16, 8, 1] : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>
}

// -----

// A vector window stepping out of its buffer in a loop.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>
  %r = systolic.alloc : !systolic.sram<input, 1x8xf32>
  %col = systolic.alloc : !systolic.sram<input, 16x1xf32>
  %z = systolic.alloc : !systolic.sram<input, 16x8xcomplex<f32>>
  systolic.chunk_loop 3 {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.vector' op dst window at [16, 0] of size [8, 8] at iteration 3 of 3 does not fit in 16x8 (!systolic.sram<input, 16x8xf32>)
    systolic.vector silu %x[0, 0] -> %x[0, 0] step [8, 0] sizes [8, 8] : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>
  }
}

// -----

// A strided window is checked at both ends: with stride -1 from column 2, the last of 4 rows
// starts one element before the buffer.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f() {
    %k = systolic.alloc : !systolic.sram<weight, 2x12xf32>
    %u = systolic.alloc : !systolic.sram<input, 2x12xf32>
    %y = systolic.alloc : !systolic.sram<output, 12x2xf32>
    systolic.configure <mac, os> {
      // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op a window at [0, 2] stride -1 of size [4, 4] reads elements -1..5, outside the 24 of 2x12 (!systolic.sram<weight, 2x12xf32>)
      systolic.matmul_tile a %k[0, 2] stride -1 b %u[0, 0] -> %y[0, 0] m 4 n 1 k 4 : !systolic.sram<weight, 2x12xf32>, !systolic.sram<input, 2x12xf32>, !systolic.sram<output, 12x2xf32>
    }
    func.return
  }
}

// -----

// ... and at the last iteration of its loop: the second channel's window runs past the end.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f() {
    %k = systolic.alloc : !systolic.sram<weight, 2x12xf32>
    %u = systolic.alloc : !systolic.sram<input, 2x12xf32>
    %y = systolic.alloc : !systolic.sram<output, 12x2xf32>
    systolic.configure <mac, os> {
      systolic.chunk_loop 2 {
        // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.matmul_tile' op b window at [1, 0] stride 3 of size [4, 4] at iteration 2 of 2 reads elements 12..24, outside the 24 of 2x12 (!systolic.sram<input, 2x12xf32>)
        systolic.matmul_tile a %k[0, 0] b %u[0, 0] stride 3 step [1, 0] -> %y[0, 0] m 1 n 4 k 4 transpose_out : !systolic.sram<weight, 2x12xf32>, !systolic.sram<input, 2x12xf32>, !systolic.sram<output, 12x2xf32>
      }
    }
    func.return
  }
}

// -----

// The columns of a strided window stay inside a row.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f(%x: !systolic.dram<6x2xf32>) {
    %b = systolic.alloc : !systolic.sram<input, 2x6xf32>
    // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op dst window at [0, 5] stride 1 of size [6, 2] has columns 5..6 outside a row of 6 (!systolic.sram<input, 2x6xf32>)
    systolic.load %x[0, 0] -> %b[0, 5] stride 1 sizes [6, 2] : !systolic.dram<6x2xf32>, !systolic.sram<input, 2x6xf32>
    func.return
  }
}

// -----

// Only the windows of load, store and the GEMM operands a and b take a stride.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  func.func @f() {
    %u = systolic.alloc : !systolic.sram<input, 2x12xf32>
    systolic.configure <mac, ws> {
      // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: Expected 'sizes'
      systolic.preload_tile %u[0, 0] stride 1 sizes [2, 2] -> slot 0 : !systolic.sram<input, 2x12xf32>
    }
    func.return
  }
}

// -----

// LIMA states are complex.
#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %s = systolic.alloc : !systolic.sram<input, 8x4xf32>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.lima_state' op buffer must have complex<f32> elements (LIMA states), got f32
  systolic.lima_state load %s[0, 0] sizes [8, 4] slot 0 : !systolic.sram<input, 8x4xf32>
}

// -----

#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>
builtin.module attributes {systolic.target = #t} {
  %s = systolic.alloc : !systolic.sram<input, 8x4xcomplex<f32>>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.lima_state' op slot must be 0 or 1, got 2
  systolic.lima_state store %s[0, 0] sizes [8, 4] slot 2 : !systolic.sram<input, 8x4xcomplex<f32>>
}
