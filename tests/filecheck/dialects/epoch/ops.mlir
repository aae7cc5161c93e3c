// Every epoch op in its custom syntax: each instruction of the table, every operand form and
// flag, the structural ops. (tests/dialects/test_epoch.py checks that no mnemonic is missing.)
// RUN: EPOCH_ROUNDTRIP
// Custom -> custom and custom -> generic -> custom must print identical text:
// RUN: epoch opt %s --split-input-file > %t
// RUN: epoch opt %t --split-input-file | diff %t -
// RUN: epoch opt %s --split-input-file --print-op-generic | epoch opt --split-input-file | diff %t -
// RUN: epoch opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC
// Locations (`loc(...)` after an instruction's flags) are not mistaken for flags:
// RUN: epoch opt %s --split-input-file --mlir-print-debuginfo | epoch opt --split-input-file | diff %t -

// CHECK:      epoch.program {
// CHECK-NEXT:   epoch.symbol arg @x at 0 : tensor<4x8xf32>
// CHECK-NEXT:   epoch.symbol result @y at 32 : tensor<4x8xf32>
// CHECK-NEXT:   epoch.symbol dram @scratch at 64 : tensor<16xcomplex<f32>>
// CHECK-NEXT:   epoch.symbol sram @buf at 0 : tensor<1024xf32>
// CHECK-NEXT:   epoch.symbol const @w at 4096 = dense<[1.000000e+00, -2.500000e-01]> : tensor<2xf32>
// CHECK-NEXT:   epoch.symbol const @c at 4098 = dense<(1.000000e+00,2.000000e+00)> : tensor<1xcomplex<f32>>
// CHECK-NEXT:   epoch.data at 4100 = [0x00000001, 0xffffffff]
// CHECK-NEXT:   epoch.symbol arg @ids at 4104 : tensor<4xi32>
// GENERIC:      "epoch.program"() ({
// GENERIC-NEXT:   "epoch.symbol"() <{kind = "arg", sym_name = "x", address = 0 : i64, type = tensor<4x8xf32>}> : () -> ()
// GENERIC:        "epoch.symbol"() <{kind = "const", sym_name = "w", address = 4096 : i64, type = tensor<2xf32>, value = dense<[1065353216, -1098907648]> : tensor<2xi32>}> : () -> ()
// GENERIC:        "epoch.data"() <{address = 4100 : i64, words = dense<[1, -1]> : tensor<2xi32>}> : () -> ()
epoch.program {
  epoch.symbol arg @x at 0 : tensor<4x8xf32>
  epoch.symbol result @y at 32 : tensor<4x8xf32>
  epoch.symbol dram @scratch at 64 : tensor<16xcomplex<f32>>
  epoch.symbol sram @buf at 0 : tensor<1024xf32>
  epoch.symbol const @w at 4096 = dense<[1.0, -0.25]> : tensor<2xf32>
  epoch.symbol const @c at 4098 = dense<[(1.0, 2.0)]> : tensor<1xcomplex<f32>>
  epoch.data at 4100 = [1, -1]
  epoch.symbol arg @ids at 4104 : tensor<4xi32>

  // region control
  // CHECK-NEXT:   epoch.halt
  // CHECK-NEXT:   epoch.sync dma|vector
  // CHECK-NEXT:   epoch.sync none
  // CHECK-NEXT:   epoch.sync array {note = "all of it"}
  // CHECK-NEXT:   epoch.li r1, -8
  // CHECK-NEXT:   epoch.li r2, @w
  // CHECK-NEXT:   epoch.li r3, @w+1
  // CHECK-NEXT:   epoch.li r4, @w-4096
  // CHECK-NEXT:   epoch.addi r15, r1, 2147483647
  // GENERIC:      "epoch.halt"() : () -> ()
  // GENERIC-NEXT: "epoch.sync"() <{units = ["dma", "vector"]}> : () -> ()
  // GENERIC-NEXT: "epoch.sync"() <{units = []}> : () -> ()
  // GENERIC:      "epoch.li"() <{rd = 1 : i64, imm = -8 : i64}> : () -> ()
  // GENERIC-NEXT: "epoch.li"() <{rd = 2 : i64, imm = #epoch.addr<@w>}> : () -> ()
  epoch.halt
  epoch.sync dma|vector
  epoch.sync none
  epoch.sync array {note = "all of it"}
  epoch.li r1, -8
  epoch.li r2, @w
  epoch.li r3, @w+1
  epoch.li r4, @w-4096
  epoch.addi r15, r1, 0x7fffffff

  // Trailing `r0 += 0` pairs are left out; a middle one is kept.
  // CHECK-NEXT:   epoch.loop 4, r1 += 8 {
  // CHECK-NEXT:     epoch.loop 2 {
  // CHECK-NEXT:       epoch.halt
  // CHECK-NEXT:     }
  // CHECK-NEXT:     epoch.loop 3, r0 += 0, r2 += -4 {
  // CHECK-NEXT:       epoch.halt
  // CHECK-NEXT:     }
  // CHECK-NEXT:   }
  // GENERIC:      "epoch.loop"() <{count = 4 : i64, ra = 1 : i64, sa = 8 : i64, rb = 0 : i64, sb = 0 : i64}> ({
  epoch.loop 4, r1 += 8, r0 += 0 {
    epoch.loop 2 {
      epoch.halt
    }
    epoch.loop 3, r0 += 0, r2 += -4 {
      epoch.halt
    }
  }

  // region dma: every memory operand form
  // CHECK-NEXT:   epoch.load 0(r0), -16(r1), 5, 6, 6, -6
  // CHECK-NEXT:   epoch.load @buf, @x(r1), 1, 8, 8, 8
  // CHECK-NEXT:   epoch.load @buf+8(r2), @x-1, 1, 8, 8, 8
  // CHECK-NEXT:   epoch.store @y(r1), @buf+8, 1, 8, 8, 8
  // CHECK-NEXT:   epoch.gather @buf, @x, @ids(r1), 4, 8, 8, 100
  // GENERIC:      "epoch.load"() <{dst = #epoch.mem<0(r0)>, src = #epoch.mem<-16(r1)>, rows = 5 : i64, cols = 6 : i64, dst_stride = 6 : i64, src_stride = -6 : i64}> : () -> ()
  // GENERIC-NEXT: "epoch.load"() <{dst = #epoch.mem<@buf>, src = #epoch.mem<@x(r1)>
  // GENERIC-NEXT: "epoch.load"() <{dst = #epoch.mem<@buf+8(r2)>, src = #epoch.mem<@x-1>
  epoch.load 0(r0), -16(r1), 5, 6, 6, -6
  epoch.load @buf, @x(r1), 1, 8, 8, 8
  epoch.load @buf+8(r2), @x-1, 1, 8, 8, 8
  epoch.store @y(r1), @buf+8, 1, 8, 8, 8
  epoch.gather @buf, @x, @ids(r1), 4, 8, 8, 100

  // region array
  // CHECK-NEXT:   epoch.cfg mac, ws, 0
  // CHECK-NEXT:   epoch.cfg lima, prodf, 16
  // CHECK-NEXT:   epoch.ldw 1, 0(r0), 16, 16, 16
  // CHECK-NEXT:   epoch.ldw 0, 256(r0), 16, 8, 16 trans
  // CHECK-NEXT:   epoch.ldc 1, @buf, 64, 4
  // CHECK-NEXT:   epoch.mm 0, 16(r0), 0(r0), 8(r0), 4, 4, 4, 4, 4, 4
  // CHECK-NEXT:   epoch.mm 1, 16(r0), 0(r0), 8(r0), 4, 4, 4, 4, 4, 4 acc tout
  // CHECK-NEXT:   epoch.lima 0, 512(r0), 0(r3), 128, 64, 64 reset
  // CHECK-NEXT:   epoch.lima 1, 512(r0), 0(r3), 128, 64, 64 reset acc
  // CHECK-NEXT:   epoch.lsel 512(r0), 0(r3), 1024(r0), 64(r4), 16, 8, 4, 8, 8 reset
  // CHECK-NEXT:   epoch.lsel 512(r0), 0(r3), 1024(r0), 64(r4), 16, 8, 4, 8, 8 acc
  // CHECK-NEXT:   epoch.ldx 2048(r0), 8, 4, 8
  // CHECK-NEXT:   epoch.stx @buf(r1), 8, 4, 16
  // CHECK-NEXT:   epoch.lds 0, 2048(r0), 8, 4, 8
  // CHECK-NEXT:   epoch.sts 1, @buf(r1), 8, 4, 16
  // GENERIC:      "epoch.cfg"() <{mode = "mac", dataflow = "ws", seg = 0 : i64}> : () -> ()
  // GENERIC:      "epoch.ldw"() <{slot = 0 : i64, src = #epoch.mem<256(r0)>, rows = 16 : i64, cols = 8 : i64, src_stride = 16 : i64, trans}> : () -> ()
  epoch.cfg mac, ws, 0
  epoch.cfg lima, prodf, 16
  epoch.ldw 1, 0(r0), 16, 16, 16
  epoch.ldw 0, 256(r0), 16, 8, 16 trans
  epoch.ldc 1, @buf, 64, 4
  epoch.mm 0, 16(r0), 0(r0), 8(r0), 4, 4, 4, 4, 4, 4
  // Flags in any order print in table order.
  epoch.mm 1, 16(r0), 0(r0), 8(r0), 4, 4, 4, 4, 4, 4 tout acc
  epoch.lima 0, 512(r0), 0(r3), 128, 64, 64 reset
  epoch.lima 1, 512(r0), 0(r3), 128, 64, 64 acc reset
  epoch.lsel 512(r0), 0(r3), 1024(r0), 64(r4), 16, 8, 4, 8, 8 reset
  epoch.lsel 512(r0), 0(r3), 1024(r0), 64(r4), 16, 8, 4, 8, 8 acc
  epoch.ldx 2048(r0), 8, 4, 8
  epoch.stx @buf(r1), 8, 4, 16
  epoch.lds 0, 2048(r0), 8, 4, 8
  epoch.sts 1, @buf(r1), 8, 4, 16

  // region vector
  // CHECK-NEXT:   epoch.vadd 0(r0), 8(r0), 16(r0), 2, 8, 8, 8, 8
  // CHECK-NEXT:   epoch.vadd 0(r0), 8(r0), 16(r0), 2, 8, 8, 8, 1 bbc
  // CHECK-NEXT:   epoch.vsub 0(r0), 8(r0), 16(r0), 2, 8, 8, 1, 8 abc
  // CHECK-NEXT:   epoch.vmul 0(r0), 8(r0), 16(r0), 2, 8, 8, 1, 1 abc bbc
  // CHECK-NEXT:   epoch.vdiv 0(r0), 8(r0), 16(r0), 2, 8, 8, 8, 8
  // CHECK-NEXT:   epoch.vcmul 0(r0), 16(r0), 32(r0), 2, 4, 8, 8, 8
  // CHECK-NEXT:   epoch.vcdiv 0(r0), 16(r0), 32(r0), 2, 4, 8, 8, 8
  // CHECK-NEXT:   epoch.vexp 0(r0), 8(r0), 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vgelu 0(r0), 8(r0), 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vgelut 0(r0), 8(r0), 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vsilu 0(r0), 8(r0), 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vsigmoid 0(r0), 8(r0), 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vsoftplus 0(r0), 8(r0), 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vrelu 0(r0), 8(r0), 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vcopy 0(r0), 8(r0), 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vrev 0(r0), 8(r0), 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vcexp 0(r0), 16(r0), 2, 4, 8, 8
  // CHECK-NEXT:   epoch.vdexp 0(r0), 64(r0), 96(r0), 2, 8, 4, 8, 4
  epoch.vadd 0(r0), 8(r0), 16(r0), 2, 8, 8, 8, 8
  epoch.vadd 0(r0), 8(r0), 16(r0), 2, 8, 8, 8, 1 bbc
  epoch.vsub 0(r0), 8(r0), 16(r0), 2, 8, 8, 1, 8 abc
  epoch.vmul 0(r0), 8(r0), 16(r0), 2, 8, 8, 1, 1 bbc abc
  epoch.vdiv 0(r0), 8(r0), 16(r0), 2, 8, 8, 8, 8
  epoch.vcmul 0(r0), 16(r0), 32(r0), 2, 4, 8, 8, 8
  epoch.vcdiv 0(r0), 16(r0), 32(r0), 2, 4, 8, 8, 8
  epoch.vexp 0(r0), 8(r0), 2, 8, 8, 8
  epoch.vgelu 0(r0), 8(r0), 2, 8, 8, 8
  epoch.vgelut 0(r0), 8(r0), 2, 8, 8, 8
  epoch.vsilu 0(r0), 8(r0), 2, 8, 8, 8
  epoch.vsigmoid 0(r0), 8(r0), 2, 8, 8, 8
  epoch.vsoftplus 0(r0), 8(r0), 2, 8, 8, 8
  epoch.vrelu 0(r0), 8(r0), 2, 8, 8, 8
  epoch.vcopy 0(r0), 8(r0), 2, 8, 8, 8
  epoch.vrev 0(r0), 8(r0), 2, 8, 8, 8
  epoch.vcexp 0(r0), 16(r0), 2, 4, 8, 8
  epoch.vdexp 0(r0), 64(r0), 96(r0), 2, 8, 4, 8, 4

  // fp32 immediates: the shortest decimal that reads back exactly, else the raw bits.
  // CHECK-NEXT:   epoch.vaddi 0(r0), 8(r0), 1.0, 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vaddi 0(r0), 8(r0), -0.0, 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vmuli 0(r0), 8(r0), 0.1, 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vmuli 0(r0), 8(r0), 3.4028235e+38, 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vmuli 0(r0), 8(r0), 1.0e-45, 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vrsqrt 0(r0), 8(r0), 1.0e-05, 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vrsqrt 0(r0), 8(r0), 0x7F800000, 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vrsqrt 0(r0), 8(r0), 0xFF800001, 2, 8, 8, 8
  // CHECK-NEXT:   epoch.vrsum 0(r0), 8(r0), 0.125, 2, 8, 1, 8
  // CHECK-NEXT:   epoch.vrsum 0(r0), 8(r0), 0.125, 2, 8, 1, 8 acc
  // CHECK-NEXT:   epoch.vcsum 0(r0), 8(r0), 0.5, 2, 8, 8 acc
  // GENERIC:      "epoch.vaddi"() <{dst = #epoch.mem<0(r0)>, a = #epoch.mem<8(r0)>, fimm = #epoch.f32<1.0>
  // GENERIC:      "epoch.vrsqrt"() <{dst = #epoch.mem<0(r0)>, a = #epoch.mem<8(r0)>, fimm = #epoch.f32<0xFF800001>
  epoch.vaddi 0(r0), 8(r0), 1.0, 2, 8, 8, 8
  epoch.vaddi 0(r0), 8(r0), -0.0, 2, 8, 8, 8
  epoch.vmuli 0(r0), 8(r0), 0.1, 2, 8, 8, 8
  epoch.vmuli 0(r0), 8(r0), 0x7F7FFFFF, 2, 8, 8, 8
  epoch.vmuli 0(r0), 8(r0), 0x00000001, 2, 8, 8, 8
  epoch.vrsqrt 0(r0), 8(r0), 1.0e-5, 2, 8, 8, 8
  epoch.vrsqrt 0(r0), 8(r0), 0x7F800000, 2, 8, 8, 8
  epoch.vrsqrt 0(r0), 8(r0), 0xFF800001, 2, 8, 8, 8
  epoch.vrsum 0(r0), 8(r0), 0.125, 2, 8, 1, 8
  epoch.vrsum 0(r0), 8(r0), 0.125, 2, 8, 1, 8 acc
  epoch.vcsum 0(r0), 8(r0), 0.5, 2, 8, 8 acc
  // CHECK-NEXT: }
}

// -----

// An empty program, a program of another format version, and one whose (empty) data
// segment starts at a given address.
// CHECK:      epoch.program {
// CHECK-NEXT: }
// CHECK:      epoch.program version 1.10 data_base 4096 {
// CHECK-NEXT:   epoch.halt
// CHECK-NEXT: }
// GENERIC: "epoch.program"() <{version = array<i32: 1, 10>, data_base = 4096 : i64}> ({
epoch.program {
}
epoch.program version 1.10 data_base 4096 {
  epoch.halt
}

// -----

// DRAM addresses left out: ProgramBuilder lays them out at serialization.
// CHECK:      epoch.program {
// CHECK-NEXT:   epoch.symbol arg @x : tensor<4xf32>
// CHECK-NEXT:   epoch.symbol const @k = dense<"0x0000807F0000807F0000807F"> : tensor<3xf32>
// CHECK-NEXT:   epoch.symbol const @z = dense<"0x0000000000000080"> : tensor<2xf32>
// CHECK-NEXT:   epoch.symbol const @s = dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT:   epoch.symbol sram @buf at 0 : tensor<8xf32>
// CHECK-NEXT:   epoch.load @buf, @x, 1, 4, 4, 4
// CHECK-NEXT: }
epoch.program {
  epoch.symbol arg @x : tensor<4xf32>
  // Data prints element-wise only if xDSL reads that back exactly: it would print infinities
  // as hex integers and [0.0, -0.0] as a splat of 0.0, so these are printed as hex blobs.
  epoch.symbol const @k = dense<"0x0000807F0000807F0000807F"> : tensor<3xf32>
  epoch.symbol const @z = dense<[0.0, -0.0]> : tensor<2xf32>
  epoch.symbol const @s = dense<2.0> : tensor<f32>
  epoch.symbol sram @buf at 0 : tensor<8xf32>
  epoch.load @buf, @x, 1, 4, 4, 4
}
