// Every verifier rule and parse error of the epoch dialect, one case per chunk.
// RUN: epoch opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s
// Every chunk must fail: no module may be printed.
// RUN: epoch opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s --check-prefix=NOMODULE
// NOMODULE-NOT: {{^builtin.module}}

// A value wider than its field.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.load' op rows = 16777216 does not fit its 24-bit field
  epoch.load 0(r0), 0(r0), 16777216, 8, 8, 8
}

// -----

// An unknown register.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.li' op rd: register r16 does not exist (r0..r15)
  epoch.li r16, 5
}

// -----

// An unknown register in a memory operand.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.load' op dst: register r16 does not exist
  epoch.load 0(r16), 0(r0), 1, 8, 8, 8
}

// -----

// A memory offset wider than its 28 bits.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.load' op dst: offset 134217728 outside [-134217728, 134217728)
  epoch.load 134217728(r0), 0(r0), 1, 8, 8, 8
}

// -----

// An immediate wider than its 32 bits.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.li' op imm = 2147483648 does not fit its 32-bit field
  epoch.li r1, 2147483648
}

// -----

// A bad enum keyword, with a suggestion.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.cfg' op mode must be mac or lima, got 'lim' (did you mean lima?)
  epoch.cfg lim, ws, 0
}

// -----

// A bad enum keyword in the generic form.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.cfg' op dataflow must be ws, os, is or prodf, got 'xyz'
  "epoch.cfg"() <{mode = "mac", dataflow = "xyz", seg = 0 : i64}> : () -> ()
}

// -----

// An unknown unit in a mask.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.sync' op units: unknown 'gpu', expected dma, array, vector (an empty list is none)
  epoch.sync gpu
}

// -----

// A unit named twice.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.sync' op units: 'dma' named twice
  epoch.sync dma|dma
}

// -----

// An empty loop body.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.loop' op empty loop body
  epoch.loop 3 {
  }
}

// -----

// A loop count wider than its field.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.loop' op count = 16777216 does not fit its 24-bit field
  epoch.loop 16777216 {
    epoch.halt
  }
}

// -----

// Only instructions in a loop body.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.loop' op a loop body holds only instructions, found 'test.op'
  epoch.loop 2 {
    "test.op"() : () -> ()
  }
}

// -----

// An empty loop body in the generic form (a region without a block).
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.loop' op empty loop body
  "epoch.loop"() <{count = 2 : i64, ra = 0 : i64, sa = 0 : i64, rb = 0 : i64, sb = 0 : i64}> ({
  }) : () -> ()
}

// -----

// An unknown symbol, with a suggestion.
epoch.program {
  epoch.symbol sram @buf at 0 : tensor<64xf32>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.load' op dst: unknown symbol @bu (did you mean @buf?)
  epoch.load @bu, 0(r0), 1, 8, 8, 8
}

// -----

// A symbol in the wrong address space.
epoch.program {
  epoch.symbol arg @x at 0 : tensor<64xf32>
  epoch.symbol sram @buf at 0 : tensor<64xf32>
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.load' op load dst must be in SRAM, but @x is in DRAM
  epoch.load @x, @buf, 1, 8, 8, 8
}

// -----

// An unknown symbol as an address immediate.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.li' op imm: unknown symbol @nothing
  epoch.li r1, @nothing
}

// -----

// Declarations come first.
epoch.program {
  epoch.halt
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.symbol' op declarations come before the instructions, but 'epoch.halt' precedes it
  epoch.symbol arg @x at 0 : tensor<64xf32>
}

// -----

// DRAM addresses given for some symbols only (checked by the program, in one pass).
// CHECK: invalid.mlir:[[# @LINE + 1]]:1: error: 'epoch.program' op @x has an address but @y has none: give every DRAM symbol an address, or none to have them laid out at serialization
epoch.program {
  epoch.symbol arg @x at 0 : tensor<64xf32>
  epoch.symbol result @y : tensor<64xf32>
}

// -----

// A name declared twice.
// CHECK: invalid.mlir:[[# @LINE + 1]]:1: error: 'epoch.program' op symbol @x is declared twice
epoch.program {
  epoch.symbol arg @x at 0 : tensor<64xf32>
  epoch.symbol result @x at 64 : tensor<64xf32>
}

// -----

// An SRAM symbol needs its address.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.symbol' op @buf: an sram symbol needs an address ('at N')
  epoch.symbol sram @buf : tensor<64xf32>
}

// -----

// A constant needs its data.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.symbol' op constant @w needs its data (= dense<...>)
  "epoch.symbol"() <{kind = "const", sym_name = "w", address = 0 : i64, type = tensor<2xf32>}> : () -> ()
}

// -----

// Constant data of the wrong size.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.symbol' op the data of @w has 3 words, the symbol's type needs 2
  "epoch.symbol"() <{kind = "const", sym_name = "w", address = 0 : i64, type = tensor<2xf32>, value = dense<[1, 2, 3]> : tensor<3xi32>}> : () -> ()
}

// -----

// Only constants have data.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.symbol' op only a constant has data, @w is arg
  "epoch.symbol"() <{kind = "arg", sym_name = "w", address = 0 : i64, type = tensor<1xf32>, value = dense<[1]> : tensor<1xi32>}> : () -> ()
}

// -----

// An unknown symbol kind.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.symbol' op kind must be arg, result, const, dram or sram, got 'input'
  epoch.symbol input @x at 0 : tensor<4xf32>
}

// -----

// An element type the machine has no dtype for.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.symbol' op @x must be a tensor of f32, complex<f32> or i32, got tensor<4xi64>
  epoch.symbol arg @x at 0 : tensor<4xi64>
}

// -----

// A dynamic shape.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.symbol' op @x must have a static shape, got tensor<?xf32>
  epoch.symbol arg @x at 0 : tensor<?xf32>
}

// -----

// An empty dimension.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.symbol' op symbol 'x' has invalid shape [0, 4]
  epoch.symbol arg @x at 0 : tensor<0x4xf32>
}

// -----

// A symbol past the end of the address space.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.symbol' op symbol 'x' lies outside the 32-bit address space
  epoch.symbol arg @x at 4294967295 : tensor<4xf32>
}

// -----

// Only epoch ops in a program.
// CHECK: invalid.mlir:[[# @LINE + 1]]:1: error: 'epoch.program' op an epoch.program holds only epoch.symbol, epoch.data and instructions, found 'arith.constant'
epoch.program {
  %0 = arith.constant 0 : i32
}

// -----

// data_base needs addressed symbols.
// CHECK: invalid.mlir:[[# @LINE + 1]]:1: error: 'epoch.program' op data_base needs DRAM symbols with addresses: without them the data segment is laid out at serialization
epoch.program data_base 16 {
  epoch.symbol arg @x : tensor<4xf32>
}

// -----

// epoch.data needs addressed symbols.
// CHECK: invalid.mlir:[[# @LINE + 1]]:1: error: 'epoch.program' op epoch.data at 0 needs DRAM symbols with addresses: without them the data segment is laid out at serialization
epoch.program {
  epoch.symbol arg @x : tensor<4xf32>
  epoch.data at 0 = [1]
}

// -----

// An empty data chunk.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.data' op an epoch.data holds at least one word
  "epoch.data"() <{address = 0 : i64, words = dense<> : tensor<0xi32>}> : () -> ()
}

// -----

// A version part wider than 16 bits.
// CHECK: invalid.mlir:[[# @LINE + 1]]:1: error: 'epoch.program' op version must be [major, minor], each 0..65535
"epoch.program"() <{version = array<i32: 1, 70000>}> ({
}) : () -> ()

// -----

// A program lives at module level.
func.func @f() {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.program' op 'epoch.program' expects parent op 'builtin.module'
  epoch.program {
  }
  func.return
}

// -----

// A symbol lives in a program.
// CHECK: invalid.mlir:[[# @LINE + 1]]:1: error: 'epoch.symbol' op 'epoch.symbol' expects parent op 'epoch.program'
epoch.symbol arg @x at 0 : tensor<4xf32>

// -----

// A decimal integer is not an fp32 literal (as in MLIR).
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:29: error: expected a float literal such as 2.0 or raw fp32 bits such as 0x40000000
  epoch.vaddi 0(r0), 0(r0), 2, 1, 1, 0, 0
}

// -----

// A flag the row does not have.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:45: error: unknown flag 'tout' (its flags: acc)
  epoch.vrsum 0(r0), 0(r0), 1.0, 1, 1, 0, 0 tout
}

// -----

// A flag given twice.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:49: error: flag 'acc' given twice
  epoch.vrsum 0(r0), 0(r0), 1.0, 1, 1, 0, 0 acc acc
}

// -----

// Too few operands.
epoch.program {
  epoch.li r1
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: Expected ',' (li takes rd, imm)
  epoch.halt
}

// -----

// Not a register.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:12: error: expected a register r0..r15
  epoch.li x1, 0
}

// -----

// Not a memory operand.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:14: error: expected a memory operand: OFFSET(rN) or @symbol[+OFFSET][(rN)]
  epoch.load r1, 0(r0), 1, 1, 1, 1
}

// -----

// Hex elements in dense data (xDSL would read them as integers).
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:32: error: write bit patterns as a hex blob, dense<"0x...">: xDSL reads a hex element of float data as an integer value
  epoch.symbol const @w at 0 = dense<[1.0, 0x7F800000]> : tensor<2xf32>
}

// -----

// Constant data of a type the machine has no dtype for.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:32: error: constant data must be f32, complex<f32> or i32
  epoch.symbol const @w at 0 = dense<[1, 2]> : tensor<2xi64>
}

// -----

// An fp32 literal too large.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:29: error: the value does not fit fp32
  epoch.vaddi 0(r0), 0(r0), 1.0e39, 1, 1, 0, 0
}

// -----

// Raw fp32 bits wider than 32 bits.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:29: error: raw fp32 bits need at most 8 hex digits
  epoch.vaddi 0(r0), 0(r0), 0x100000000, 1, 1, 0, 0
}

// -----

// A version without its minor number.
// CHECK: invalid.mlir:[[# @LINE + 1]]:23: error: expected a version MAJOR.MINOR such as 1.0
epoch.program version 1 {
}

// -----

// A data word wider than 32 bits.
epoch.program {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:22: error: 4294967296 does not fit a 32-bit word
  epoch.data at 0 = [4294967296]
}
