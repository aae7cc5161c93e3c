// What convert-nn-to-systolic refuses: one error per chunk, at the op, naming the limit. The
// machine file gives `small` banks of 256 words.
// RUN: printf 'base = "small"\nname = "banks256"\n[[sram.banks]]\nname = "input"\nkib = 1\n[[sram.banks]]\nname = "weight"\nkib = 1\n[[sram.banks]]\nname = "output"\nkib = 1\n' > %t.toml
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p 'epoch-set-machine{hw="%t.toml"},convert-func-to-systolic,convert-nn-to-systolic' | filecheck %s
// A machine whose banks have other names cannot hold the streams:
// RUN: printf 'base = "small"\nname = "odd"\n[[sram.banks]]\nname = "scratch"\nkib = 64\n' > %t.odd.toml
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p 'epoch-set-machine{hw="%t.odd.toml"},convert-func-to-systolic,convert-nn-to-systolic' | filecheck %s --check-prefix=BANKS
// A dataflow the pass does not know is a pipeline error:
// RUN: not epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-nn-to-systolic{dataflow=xs}' 2>&1 | filecheck %s --check-prefix=OPTION
// RUN: not epoch opt %s --split-input-file -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-nn-to-systolic{chunk-rows=-1}' 2>&1 | filecheck %s --check-prefix=OPTION-ROWS
// OPTION: error: bad options for pass 'convert-nn-to-systolic': dataflow must be ws, os, is or prodf, got 'xs'
// OPTION-NOT: Traceback
// OPTION-ROWS: error: bad options for pass 'convert-nn-to-systolic': chunk-rows must be 0 (automatic) or positive, got -1

// One row of 300 channels does not fit a 256-word bank, even with one buffer.
// CHECK: convert-nn-to-systolic-errors.mlir:[[# @LINE + 3]]:8: error: 'nn.gelu' op cannot be tiled into the machine: a chunk of 1 row needs 300 words of SRAM bank "input" (streamed inputs), but target "banks256" has 256 words there
// BANKS: error: 'nn.gelu' op needs an SRAM bank named "input" for streamed inputs, but target "odd" has only scratch
func.func @row_too_wide(%x: tensor<5x300xf32>) -> tensor<5x300xf32> {
  %y = nn.gelu %x : tensor<5x300xf32>
  func.return %y : tensor<5x300xf32>
}

// -----

// W is kept in SRAM a block of rows at a time, but one row of 300 features (and its bias)
// already exceeds the weight bank.
func.func @weight_row_too_wide(%x: tensor<4x300xf32>, %w: tensor<2x300xf32>, %b: tensor<2xf32>) -> tensor<4x2xf32> {
  // CHECK: convert-nn-to-systolic-errors.mlir:[[# @LINE + 1]]:8: error: 'nn.linear' op cannot be tiled into the machine: one row of W with its bias needs 302 words of SRAM bank "weight", but target "banks256" has 256 words there
  %y = nn.linear %x, %w, %b : (tensor<4x300xf32>, tensor<2x300xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  func.return %y : tensor<4x2xf32>
}

// -----

// The taps (w^T, 2 x 130) exceed the weight bank.
func.func @conv_taps(%x: tensor<8x130xf32>, %w: tensor<130x2xf32>) -> tensor<8x130xf32> {
  // CHECK: convert-nn-to-systolic-errors.mlir:[[# @LINE + 1]]:8: error: 'nn.causal_conv1d' op cannot be tiled into the machine: its taps need 260 words of SRAM bank "weight", but target "banks256" has 256 words there
  %y = nn.causal_conv1d %x, %w : (tensor<8x130xf32>, tensor<130x2xf32>) -> tensor<8x130xf32>
  func.return %y : tensor<8x130xf32>
}

// -----

// The taps fit, but transposing non-constant weights needs w itself and a 2 x 2 identity.
func.func @conv_transpose(%x: tensor<8x127xf32>, %w: tensor<127x2xf32>) -> tensor<8x127xf32> {
  // CHECK: convert-nn-to-systolic-errors.mlir:[[# @LINE + 1]]:8: error: 'nn.causal_conv1d' op cannot be tiled into the machine: transposing w on the array needs 258 words of SRAM bank "input", but target "banks256" has 256 words there
  %y = nn.causal_conv1d %x, %w : (tensor<8x127xf32>, tensor<127x2xf32>) -> tensor<8x127xf32>
  func.return %y : tensor<8x127xf32>
}

// -----

// A chunk after the first needs K-1 rows of halo above it: with K = 20 and 8 channels even a
// chunk of 19 rows does not fit (nor does the whole sequence).
func.func @conv_halo(%x: tensor<64x8xf32>) -> tensor<64x8xf32> {
  %w = arith.constant dense<0.5> : tensor<8x20xf32>
  // CHECK: convert-nn-to-systolic-errors.mlir:[[# @LINE + 1]]:8: error: 'nn.causal_conv1d' op cannot be tiled into the machine: a chunk of 19 rows needs 304 words of SRAM bank "input" (streamed inputs), but target "banks256" has 256 words there
  %y = nn.causal_conv1d %x, %w : (tensor<64x8xf32>, tensor<8x20xf32>) -> tensor<64x8xf32>
  func.return %y : tensor<64x8xf32>
}

// -----

// Layer norm keeps gamma and beta (2 x 130 words) and two per-row statistics in the weight bank.
func.func @layer_norm_parameters(%x: tensor<4x130xf32>, %g: tensor<130xf32>, %b: tensor<130xf32>) -> tensor<4x130xf32> {
  // CHECK: convert-nn-to-systolic-errors.mlir:[[# @LINE + 1]]:8: error: 'nn.layer_norm' op cannot be tiled into the machine: a chunk of 1 row needs 264 words of SRAM bank "weight" (parameters and per-row statistics), but target "banks256" has 256 words there
  %y = nn.layer_norm %x, %g, %b : (tensor<4x130xf32>, tensor<130xf32>, tensor<130xf32>) -> tensor<4x130xf32>
  func.return %y : tensor<4x130xf32>
}

// -----

// The systolic level holds 1-D and 2-D tensors, and batches of them (3-D).
func.func @rank4(%x: tensor<16xf32>) -> tensor<16xf32> {
  %e = tensor.expand_shape %x [[0, 1, 2, 3]] output_shape [2, 2, 2, 2] : tensor<16xf32> into tensor<2x2x2x2xf32>
  // CHECK: convert-nn-to-systolic-errors.mlir:[[# @LINE + 1]]:8: error: 'nn.relu' op works on 1-D, 2-D or 3-D (batched) tensors at the systolic level, got tensor<2x2x2x2xf32> (rank 4)
  %r = nn.relu %e : tensor<2x2x2x2xf32>
  %c = tensor.collapse_shape %r [[0, 1, 2, 3]] : tensor<2x2x2x2xf32> into tensor<16xf32>
  func.return %c : tensor<16xf32>
}
