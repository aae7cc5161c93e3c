// -t epoch-asm prints the program as the assembly `epoch asm` reads: directives in declaration
// order, the data segment as .word lines, loops as indented blocks, symbols resolved.
// RUN: epoch opt %s --split-input-file -t epoch-asm | filecheck %s --match-full-lines

// CHECK:      .arg x @0 : tensor<4x8xf32>
// CHECK-NEXT: .result y @32 : tensor<4x8xf32>
// CHECK-NEXT: .sram buf @0 : tensor<64xf32>
// CHECK-NEXT: .const w @4096 : tensor<2xcomplex<f32>>
// CHECK-NEXT: .data @4096
// CHECK-NEXT: .word 0x3f800000, 0x40000000, 0x3f000000, 0x80000000, 0x00000001, 0xffffffff
// CHECK-EMPTY:
// CHECK-NEXT: li r1, 0
// CHECK-NEXT: loop 4, r1 += 8 {
// CHECK-NEXT:     load 0(r0), 0(r1), 1, 8, 8, 8  # dst: buf
// CHECK-NEXT:     loop 2, r0 += 0, r2 += -1 {
// CHECK-NEXT:         vmuli 8(r0), 0(r0), -0.5, 1, 8, 8, 8  # dst: buf+8, a: buf
// CHECK-NEXT:     }
// CHECK-NEXT:     vrsqrt 8(r0), 8(r0), 1e-05, 1, 8, 8, 8  # dst: buf+8, a: buf+8
// CHECK-NEXT:     sync dma|vector
// CHECK-NEXT:     store 32(r1), 8(r0), 1, 8, 8, 8  # src: buf+8
// CHECK-NEXT: }
// CHECK-NEXT: cfg lima, prodf, 0
// CHECK-NEXT: mm 0, 16(r0), 0(r0), 8(r0), 4, 4, 4, 4, 4, 4 acc tout  # dst: buf+16, a: buf, b: buf+8
// CHECK-NEXT: vaddi 0(r0), 0(r0), 0f7f800001, 1, 1, 0, 0  # dst: buf, a: buf
// CHECK-NEXT: li r2, 4098
// CHECK-NEXT: li r3, 4096  # imm: w
// CHECK-NEXT: halt
epoch.program {
  epoch.symbol arg @x at 0 : tensor<4x8xf32>
  epoch.symbol result @y at 32 : tensor<4x8xf32>
  epoch.symbol sram @buf at 0 : tensor<64xf32>
  epoch.symbol const @w at 4096 = dense<[(1.0, 2.0), (0.5, -0.0)]> : tensor<2xcomplex<f32>>
  epoch.data at 4100 = [1, 0xffffffff]
  epoch.li r1, 0
  epoch.loop 4, r1 += 8 {
    epoch.load @buf, @x(r1), 1, 8, 8, 8
    epoch.loop 2, r0 += 0, r2 += -1 {
      epoch.vmuli @buf+8, @buf, -0.5, 1, 8, 8, 8
    }
    epoch.vrsqrt 8(r0), 8(r0), 1.0e-05, 1, 8, 8, 8
    epoch.sync vector|dma
    epoch.store @y(r1), @buf+8, 1, 8, 8, 8
  }
  epoch.cfg lima, prodf, 0
  epoch.mm 0, 16(r0), 0(r0), 8(r0), 4, 4, 4, 4, 4, 4 tout acc
  epoch.vaddi 0(r0), 0(r0), 0x7F800001, 1, 1, 0, 0
  epoch.li r2, @w+2
  epoch.li r3, @w
  epoch.halt
}

// -----

// DRAM symbols without addresses are laid out by ProgramBuilder in declaration order (16-word
// aligned), constants packed into the data segment; SRAM symbols keep their addresses.
// CHECK:      .arg x @0 : tensor<4x8xf32>
// CHECK-NEXT: .const w @32 : tensor<3xf32>
// CHECK-NEXT: .result y @48 : tensor<4x8xf32>
// CHECK-NEXT: .dram tmp @80 : tensor<1xcomplex<f32>>
// CHECK-NEXT: .sram buf @0 : tensor<64xf32>
// CHECK-NEXT: .data @32
// CHECK-NEXT: .word 0x3f800000, 0x40000000, 0x40400000
// CHECK-EMPTY:
// CHECK-NEXT: li r1, 48  # imm: y
// CHECK-NEXT: load 0(r0), 4(r1), 1, 8, 8, 8  # dst: buf
// CHECK-NEXT: load 8(r0), 32(r0), 1, 3, 0, 0  # dst: buf+8, src: w
// CHECK-NEXT: store 48(r0), 0(r0), 1, 8, 8, 8  # dst: y, src: buf
// CHECK-NEXT: store 81(r0), 0(r0), 1, 1, 0, 0  # dst: tmp+1, src: buf
// CHECK-NEXT: halt
epoch.program {
  epoch.symbol arg @x : tensor<4x8xf32>
  epoch.symbol const @w = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  epoch.symbol result @y : tensor<4x8xf32>
  epoch.symbol dram @tmp : tensor<1xcomplex<f32>>
  epoch.symbol sram @buf at 0 : tensor<64xf32>
  epoch.li r1, @y
  epoch.load @buf, @x+4(r1), 1, 8, 8, 8
  epoch.load @buf+8, @w, 1, 3, 0, 0
  epoch.store @y, @buf, 1, 8, 8, 8
  epoch.store @tmp+1, @buf, 1, 1, 0, 0
  epoch.halt
}

// -----

// A program of another format version, with an empty data segment at a given base.
// CHECK:      .version 1.7
// CHECK-NEXT: .data @64
// CHECK-EMPTY:
// CHECK-NEXT: halt
epoch.program version 1.7 data_base 64 {
  epoch.halt
}
