// A batch at the systolic level: a B x L x H tensor is B*L rows in DRAM. nn.unstack makes each
// sequence the view of its rows; nn.stack makes each part's DRAM tensor the view of its rows
// of the result, so the op that writes a part writes the stack in place. After
// systolic-fold-views the transfers address the batch directly, at row offsets b*L.
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw="small"},convert-func-to-systolic,convert-nn-to-systolic,reconcile-unrealized-casts' | filecheck %s
// RUN: epoch opt %s --split-input-file -p 'epoch-set-machine{hw="small"},convert-func-to-systolic,convert-nn-to-systolic,reconcile-unrealized-casts,systolic-fold-views' | filecheck %s --check-prefix=FOLD

// CHECK-LABEL: func.func @in_place
// CHECK:       %a = systolic.rows %x start 0 : !systolic.dram<2x8x4xf32> -> !systolic.dram<8x4xf32>
// CHECK-NEXT:  %b = systolic.rows %x start 8 : !systolic.dram<2x8x4xf32> -> !systolic.dram<8x4xf32>
// The stack's tensor comes before the first part's writer; each part is a view of its rows:
// CHECK:       %s = systolic.alloc_dram : !systolic.dram<2x8x4xf32>
// CHECK-NEXT:  %c = systolic.rows %s start 0 : !systolic.dram<2x8x4xf32> -> !systolic.dram<8x4xf32>
// CHECK:       %d = systolic.rows %s start 8 : !systolic.dram<2x8x4xf32> -> !systolic.dram<8x4xf32>
// CHECK-NOT:   systolic.alloc_dram : !systolic.dram<8x4xf32>
// The linear reads the batch as 16 rows:
// CHECK:       systolic.load %s[0, 0] -> %linear_x[0, 0] sizes [16, 4]
// FOLD-LABEL:  func.func @in_place
// FOLD-NOT:    systolic.rows
// FOLD:        systolic.load %x[0, 0] -> %causal_conv1d_x[2, 0] sizes [8, 4]
// FOLD:        systolic.store %causal_conv1d_y[0, 0] -> %s[0, 0] sizes [8, 4]
// FOLD:        systolic.load %x[8, 0] -> %causal_conv1d_x_1[2, 0] sizes [8, 4]
// FOLD:        systolic.store %causal_conv1d_y_1[0, 0] -> %s[8, 0] sizes [8, 4]
func.func @in_place(%x: tensor<2x8x4xf32>, %w: tensor<4x3xf32>, %W: tensor<4x4xf32>) -> tensor<2x8x4xf32> {
  %a, %b = nn.unstack %x : tensor<2x8x4xf32> -> tensor<8x4xf32>, tensor<8x4xf32>
  %c = nn.causal_conv1d %a, %w : (tensor<8x4xf32>, tensor<4x3xf32>) -> tensor<8x4xf32>
  %d = nn.causal_conv1d %b, %w : (tensor<8x4xf32>, tensor<4x3xf32>) -> tensor<8x4xf32>
  %s = nn.stack %c, %d : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<2x8x4xf32>
  %y = nn.linear %s, %W : (tensor<2x8x4xf32>, tensor<4x4xf32>) -> tensor<2x8x4xf32>
  func.return %y : tensor<2x8x4xf32>
}

// -----

// Parts read only by a stack, or returned, are copied out by the unstack (a view could not be
// written in place): %o's copy then becomes rows 0..7 of the stack, and %p, also a function
// result, keeps its own tensor, which the stack copies in.
// FOLD-LABEL: func.func @copies
// FOLD:       %s = systolic.alloc_dram : !systolic.dram<2x8x4xf32>
// FOLD:       systolic.load %x[0, 0] -> %unstack_part[0, 0] sizes [8, 4]
// FOLD-NEXT:  systolic.store %unstack_part[0, 0] -> %s[0, 0] sizes [8, 4]
// FOLD:       %p = systolic.alloc_dram : !systolic.dram<8x4xf32>
// FOLD:       systolic.load %x[8, 0] -> %unstack_part_1[0, 0] sizes [8, 4]
// FOLD-NEXT:  systolic.store %unstack_part_1[0, 0] -> %p[0, 0] sizes [8, 4]
// FOLD:       systolic.load %p[0, 0] -> %stack_part[0, 0] sizes [8, 4]
// FOLD-NEXT:  systolic.store %stack_part[0, 0] -> %s[8, 0] sizes [8, 4]
// FOLD:       func.return %s, %p
func.func @copies(%x: tensor<2x8x4xf32>) -> (tensor<2x8x4xf32>, tensor<8x4xf32>) {
  %o, %p = nn.unstack %x : tensor<2x8x4xf32> -> tensor<8x4xf32>, tensor<8x4xf32>
  %s = nn.stack %o, %p : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<2x8x4xf32>
  func.return %s, %p : tensor<2x8x4xf32>, tensor<8x4xf32>
}
