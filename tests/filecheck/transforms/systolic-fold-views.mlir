// systolic-fold-views folds every systolic.reverse into the DMA transfers through it: a window
// of the view at row r is a window of the tensor at the mirror row rows-1-r whose row stride
// and per-iteration row step change sign; two reversals cancel. The views are gone after it.
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p systolic-fold-views | filecheck %s

// CHECK-LABEL: func.func @fold
// CHECK-NOT:   systolic.reverse
// Rows 0..3 of the view are rows 5..2 of %x, read upwards:
// CHECK:       systolic.load %x[5, 0] stride -2 -> %b[0, 0] sizes [4, 2]
// A one-row window needs no stride:
// CHECK-NEXT:  systolic.load %x[0, 1] -> %b[0, 0] sizes [1, 1]
// A window that already had a stride (a column of the view, every row) keeps its size:
// CHECK-NEXT:  systolic.load %x[5, 1] stride -2 -> %b[0, 0] stride 1 sizes [4, 1]
// In a loop the window's row step changes sign, its column step stays:
// CHECK:       systolic.load %x[5, 0] step [-2, 1] -> %b[0, 0] sizes [1, 1]
// Stores through a view write the mirror rows:
// CHECK:       systolic.store %b[0, 0] -> %y[5, 0] stride -2 step [-2, 0] sizes [2, 2]
// Two reversals are the tensor itself:
// CHECK:       systolic.load %x[1, 0] -> %b[0, 0] sizes [2, 2]
#t = #systolic.target<"t", 4x4, lima, loop_depth 2, banks [input 64, weight 64, output 64]>
builtin.module attributes {systolic.target = #t} {
  func.func @fold(%x: !systolic.dram<6x2xf32>) -> !systolic.dram<6x2xf32> {
    %r = systolic.reverse %x : !systolic.dram<6x2xf32>
    %y = systolic.alloc_dram : !systolic.dram<6x2xf32>
    %yr = systolic.reverse %y : !systolic.dram<6x2xf32>
    %b = systolic.alloc : !systolic.sram<input, 4x2xf32>
    systolic.load %r[0, 0] -> %b[0, 0] sizes [4, 2] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    systolic.load %r[5, 1] -> %b[0, 0] sizes [1, 1] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    systolic.load %r[0, 1] stride 2 -> %b[0, 0] stride 1 sizes [4, 1] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    systolic.chunk_loop 2 {
      systolic.load %r[0, 0] step [2, 1] -> %b[0, 0] sizes [1, 1] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    }
    systolic.chunk_loop 3 {
      systolic.store %b[0, 0] -> %yr[0, 0] step [2, 0] sizes [2, 2] : !systolic.sram<input, 4x2xf32>, !systolic.dram<6x2xf32>
    }
    %rr = systolic.reverse %r : !systolic.dram<6x2xf32>
    systolic.load %rr[1, 0] -> %b[0, 0] sizes [2, 2] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    func.return %y : !systolic.dram<6x2xf32>
  }
}

// -----

// A view read other than by a DMA transfer (here: returned) stays an error.
#t = #systolic.target<"t", 4x4, lima, loop_depth 2, banks [input 64, weight 64, output 64]>
builtin.module attributes {systolic.target = #t} {
  func.func @returned(%x: !systolic.dram<6x2xf32>) -> !systolic.dram<6x2xf32> {
    %r = systolic.reverse %x : !systolic.dram<6x2xf32>
    // CHECK: systolic-fold-views.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'func.return' op uses a systolic.reverse view, which only DMA transfers (systolic.load, systolic.store) can read or write
    func.return %r : !systolic.dram<6x2xf32>
  }
}

// -----

// A window whose rows are not whole rows of the tensor cannot be mirrored row by row.
#t = #systolic.target<"t", 4x4, lima, loop_depth 2, banks [input 64, weight 64, output 64]>
builtin.module attributes {systolic.target = #t} {
  func.func @stride(%x: !systolic.dram<6x2xf32>) {
    %r = systolic.reverse %x : !systolic.dram<6x2xf32>
    %b = systolic.alloc : !systolic.sram<input, 4x2xf32>
    // CHECK: systolic-fold-views.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op addresses a reversed tensor through a window of row stride 1, which is not a whole number of its rows of 2
    systolic.load %r[0, 0] stride 1 -> %b[0, 0] sizes [4, 1] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    func.return
  }
}

// -----

// A systolic.columns view (nn.slice) is the window `start` columns right, its rows a row of
// the tensor apart (the default stride, so none is written); under a reversal both fold.
// CHECK-LABEL: func.func @columns
// CHECK-NOT:   systolic.columns
// CHECK:       systolic.load %x[1, 3] -> %b[0, 0] sizes [4, 2]
// CHECK-NEXT:  systolic.load %x[2, 4] -> %b[0, 0] sizes [1, 1]
// An explicit stride of two view rows is two tensor rows:
// CHECK-NEXT:  systolic.load %x[0, 3] stride 16 -> %b[0, 0] sizes [2, 2]
// In a loop the steps stay:
// CHECK:       systolic.load %x[0, 3] step [2, 0] -> %b[0, 0] sizes [2, 2]
// The columns of a reversal, and the reversal of columns:
// CHECK:       systolic.load %x[5, 3] stride -8 -> %b[0, 0] sizes [2, 2]
// CHECK-NEXT:  systolic.load %x[5, 3] stride -8 -> %b[0, 0] sizes [2, 2]
#t = #systolic.target<"t", 4x4, lima, loop_depth 2, banks [input 64, weight 64, output 64]>
builtin.module attributes {systolic.target = #t} {
  func.func @columns(%x: !systolic.dram<6x8xf32>) {
    %c = systolic.columns %x start 3 : !systolic.dram<6x8xf32> -> !systolic.dram<6x2xf32>
    %b = systolic.alloc : !systolic.sram<input, 4x2xf32>
    systolic.load %c[1, 0] -> %b[0, 0] sizes [4, 2] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    systolic.load %c[2, 1] -> %b[0, 0] sizes [1, 1] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    systolic.load %c[0, 0] stride 4 -> %b[0, 0] sizes [2, 2] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    systolic.chunk_loop 2 {
      systolic.load %c[0, 0] step [2, 0] -> %b[0, 0] sizes [2, 2] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    }
    %r = systolic.reverse %x : !systolic.dram<6x8xf32>
    %cr = systolic.columns %r start 3 : !systolic.dram<6x8xf32> -> !systolic.dram<6x2xf32>
    systolic.load %cr[0, 0] -> %b[0, 0] sizes [2, 2] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    %rc = systolic.reverse %c : !systolic.dram<6x2xf32>
    systolic.load %rc[0, 0] -> %b[0, 0] sizes [2, 2] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    func.return
  }
}

// -----

// A column view's window whose rows are not whole rows of the view cannot be folded.
#t = #systolic.target<"t", 4x4, lima, loop_depth 2, banks [input 64, weight 64, output 64]>
builtin.module attributes {systolic.target = #t} {
  func.func @column_stride(%x: !systolic.dram<6x8xf32>) {
    %c = systolic.columns %x start 3 : !systolic.dram<6x8xf32> -> !systolic.dram<6x2xf32>
    %b = systolic.alloc : !systolic.sram<input, 4x2xf32>
    // CHECK: systolic-fold-views.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: 'systolic.load' op addresses columns of a tensor through a window of row stride 3, which is not a whole number of the view's rows of 2
    systolic.load %c[0, 0] stride 3 -> %b[0, 0] sizes [2, 2] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    func.return
  }
}

// -----

// A systolic.rows view (a sequence of a batch) is the window `start` rows down; strides and
// steps stay. The ids a gather reads fold the same way (a batch of token ids, B x L).
// CHECK-LABEL: func.func @rows
// CHECK-NOT:   systolic.rows
// CHECK:       systolic.load %x[7, 0] -> %b[0, 0] sizes [2, 2]
// CHECK:       systolic.store %b[0, 0] -> %x[6, 0] step [1, 0] sizes [1, 2]
// CHECK:       systolic.gather %t rows %ids[1, 2] -> %e[0, 0] sizes [2, 2]
#t = #systolic.target<"t", 4x4, lima, loop_depth 2, banks [input 64, weight 64, output 64]>
builtin.module attributes {systolic.target = #t} {
  func.func @rows(%x: !systolic.dram<2x6x2xf32>, %ids: !systolic.dram<2x4xi32>, %t: !systolic.dram<5x2xf32>) {
    %s = systolic.rows %x start 6 : !systolic.dram<2x6x2xf32> -> !systolic.dram<6x2xf32>
    %b = systolic.alloc : !systolic.sram<input, 4x2xf32>
    systolic.load %s[1, 0] -> %b[0, 0] sizes [2, 2] : !systolic.dram<6x2xf32>, !systolic.sram<input, 4x2xf32>
    systolic.chunk_loop 2 {
      systolic.store %b[0, 0] -> %s[0, 0] step [1, 0] sizes [1, 2] : !systolic.sram<input, 4x2xf32>, !systolic.dram<6x2xf32>
    }
    %i = systolic.rows %ids start 1 : !systolic.dram<2x4xi32> -> !systolic.dram<4xi32>
    %e = systolic.alloc : !systolic.sram<output, 2x2xf32>
    systolic.gather %t rows %i[0, 2] -> %e[0, 0] sizes [2, 2] : !systolic.dram<5x2xf32>, !systolic.dram<4xi32>, !systolic.sram<output, 2x2xf32>
    func.return
  }
}
