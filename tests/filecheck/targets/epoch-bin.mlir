// -t epoch-bin -o FILE writes the program file; assembling the -t epoch-asm output gives the
// same bytes (here with DRAM laid out at serialization; tests/targets/test_epoch_program.py
// checks the same for random programs with every address given).
// RUN: epoch opt %s -t epoch-asm > %t.s
// RUN: epoch asm %t.s -o %t.a.epb
// RUN: epoch opt %s -t epoch-bin -o %t.b.epb
// RUN: cmp %t.a.epb %t.b.epb
// RUN: epoch disasm %t.b.epb | filecheck %s

// A binary target needs -o and one program.
// RUN: not epoch opt %s -t epoch-bin 2>&1 | filecheck %s --check-prefix=NO-OUTPUT
// NO-OUTPUT: error: -t epoch-bin writes a binary program file: give -o FILE
// RUN: not epoch opt %s -t epoch-bin -o %t.c.epb --split-input-file 2>&1 | filecheck %s --check-prefix=SPLIT
// SPLIT: error: -t epoch-bin writes one program file, not --split-input-file

// A failing run leaves an existing program file untouched.
// RUN: cp %t.b.epb %t.keep.epb
// RUN: not epoch opt %S/epoch-asm-invalid.mlir -t epoch-bin -o %t.keep.epb
// RUN: cmp %t.b.epb %t.keep.epb

// CHECK:      .arg x @0 : tensor<4x8xf32>
// CHECK-NEXT: .const w @32 : tensor<2x2xf32>
// CHECK-NEXT: .result y @48 : tensor<4x8xf32>
// CHECK-NEXT: .sram buf @0 : tensor<64xf32>
// CHECK-NEXT: .data @32
// CHECK-NEXT: .word 0x3f800000, 0x40000000, 0x40400000, 0x7f800000
// CHECK:      loop 4, r1 += 8, r2 += 16 {
// CHECK:      halt
epoch.program {
  epoch.symbol arg @x : tensor<4x8xf32>
  epoch.symbol const @w = dense<"0x0000803F00000040000040400000807F"> : tensor<2x2xf32>
  epoch.symbol result @y : tensor<4x8xf32>
  epoch.symbol sram @buf at 0 : tensor<64xf32>
  epoch.li r1, 0
  epoch.li r2, 0
  epoch.loop 4, r1 += 8, r2 += 16 {
    epoch.load @buf, @x(r1), 1, 8, 8, 8
    epoch.load @buf+8, @w, 2, 2, 2, 2
    epoch.vmul @buf+16, @buf, @buf+8, 1, 8, 8, 8, 1 bbc
    epoch.sync vector
    epoch.store @y(r1), @buf+16, 1, 8, 8, 8
    epoch.sync dma
  }
  epoch.halt
}
