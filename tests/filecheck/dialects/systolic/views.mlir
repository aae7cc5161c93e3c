// systolic.reverse: the rows of a 2-D DRAM tensor in reverse order, as a view (no data moves);
// systolic.columns: a run of each row's columns, as a view.
// systolic.rows: a run of whole rows (one sequence or state of a batch), as a view.
// RUN: epoch opt %s --split-input-file --verify-diagnostics | filecheck %s
// RUN: epoch opt %s --split-input-file --verify-diagnostics --print-op-generic | filecheck %s --check-prefix=GENERIC
// RUN: epoch opt %s --split-input-file --verify-diagnostics | filecheck %s --check-prefix=ERR

// CHECK-LABEL: func.func @view
// CHECK-NEXT:  %r = systolic.reverse %x : !systolic.dram<6x2xf32>
// CHECK-NEXT:  %rr = systolic.reverse %r : !systolic.dram<6x2xf32>
// GENERIC: %r = "systolic.reverse"(%x) : (!systolic.dram<6x2xf32>) -> !systolic.dram<6x2xf32>
func.func @view(%x: !systolic.dram<6x2xf32>) -> !systolic.dram<6x2xf32> {
  %r = systolic.reverse %x : !systolic.dram<6x2xf32>
  %rr = systolic.reverse %r : !systolic.dram<6x2xf32>
  func.return %rr : !systolic.dram<6x2xf32>
}

// -----

// ERR: views.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'systolic.reverse' op reverses the rows of a 2-D tensor (sequence x channels), got !systolic.dram<6xf32>
func.func @one_dimensional(%x: !systolic.dram<6xf32>) -> !systolic.dram<6xf32> {
  %r = systolic.reverse %x : !systolic.dram<6xf32>
  func.return %r : !systolic.dram<6xf32>
}

// -----

// ERR: views.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'systolic.reverse' op result 'result' at position 0 does not verify: attribute !systolic.dram<6x2xf32> expected from variable 'T', but got !systolic.dram<2x6xf32>
func.func @other_type(%x: !systolic.dram<6x2xf32>) -> !systolic.dram<2x6xf32> {
  %r = "systolic.reverse"(%x) : (!systolic.dram<6x2xf32>) -> !systolic.dram<2x6xf32>
  func.return %r : !systolic.dram<2x6xf32>
}

// -----

// CHECK-LABEL: func.func @columns
// CHECK-NEXT:  %c = systolic.columns %x start 2 : !systolic.dram<6x8xf32> -> !systolic.dram<6x4xf32>
// GENERIC: %c = "systolic.columns"(%x) <{start = 2 : i64}> : (!systolic.dram<6x8xf32>) -> !systolic.dram<6x4xf32>
func.func @columns(%x: !systolic.dram<6x8xf32>) -> !systolic.dram<6x4xf32> {
  %c = systolic.columns %x start 2 : !systolic.dram<6x8xf32> -> !systolic.dram<6x4xf32>
  func.return %c : !systolic.dram<6x4xf32>
}

// -----

// ERR: views.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'systolic.columns' op columns 6 .. 9 are not all in !systolic.dram<6x8xf32>
func.func @past_the_end(%x: !systolic.dram<6x8xf32>) -> !systolic.dram<6x4xf32> {
  %c = systolic.columns %x start 6 : !systolic.dram<6x8xf32> -> !systolic.dram<6x4xf32>
  func.return %c : !systolic.dram<6x4xf32>
}

// -----

// ERR: views.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'systolic.columns' op the view !systolic.dram<5x4xf32> must have the rows and elements of !systolic.dram<6x8xf32>
func.func @rows(%x: !systolic.dram<6x8xf32>) -> !systolic.dram<5x4xf32> {
  %c = systolic.columns %x start 0 : !systolic.dram<6x8xf32> -> !systolic.dram<5x4xf32>
  func.return %c : !systolic.dram<5x4xf32>
}

// -----

// ERR: views.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'systolic.columns' op takes columns of a 2-D tensor into a 2-D view, got !systolic.dram<8xf32> -> !systolic.dram<4xf32>
func.func @vector(%x: !systolic.dram<8xf32>) -> !systolic.dram<4xf32> {
  %c = systolic.columns %x start 0 : !systolic.dram<8xf32> -> !systolic.dram<4xf32>
  func.return %c : !systolic.dram<4xf32>
}

// -----

// CHECK-LABEL: func.func @rows_of_a_batch
// CHECK-NEXT:  %s = systolic.rows %x start 6 : !systolic.dram<2x6x8xf32> -> !systolic.dram<6x8xf32>
// CHECK-NEXT:  %i = systolic.rows %ids start 1 : !systolic.dram<2x6xi32> -> !systolic.dram<6xi32>
// GENERIC: %s = "systolic.rows"(%x) <{start = 6 : i64}> : (!systolic.dram<2x6x8xf32>) -> !systolic.dram<6x8xf32>
func.func @rows_of_a_batch(%x: !systolic.dram<2x6x8xf32>, %ids: !systolic.dram<2x6xi32>) -> (!systolic.dram<6x8xf32>, !systolic.dram<6xi32>) {
  %s = systolic.rows %x start 6 : !systolic.dram<2x6x8xf32> -> !systolic.dram<6x8xf32>
  %i = systolic.rows %ids start 1 : !systolic.dram<2x6xi32> -> !systolic.dram<6xi32>
  func.return %s, %i : !systolic.dram<6x8xf32>, !systolic.dram<6xi32>
}

// -----

// ERR: views.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'systolic.rows' op rows 7 .. 12 are not all in !systolic.dram<2x6x8xf32> (12 rows of 8)
func.func @rows_past_the_end(%x: !systolic.dram<2x6x8xf32>) -> !systolic.dram<6x8xf32> {
  %s = systolic.rows %x start 7 : !systolic.dram<2x6x8xf32> -> !systolic.dram<6x8xf32>
  func.return %s : !systolic.dram<6x8xf32>
}

// -----

// ERR: views.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'systolic.rows' op the view !systolic.dram<6x4xf32> must have rows of the width and elements of !systolic.dram<2x6x8xf32>
func.func @rows_narrower(%x: !systolic.dram<2x6x8xf32>) -> !systolic.dram<6x4xf32> {
  %s = systolic.rows %x start 0 : !systolic.dram<2x6x8xf32> -> !systolic.dram<6x4xf32>
  func.return %s : !systolic.dram<6x4xf32>
}
