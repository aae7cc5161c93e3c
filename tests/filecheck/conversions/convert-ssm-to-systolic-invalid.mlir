// Every refusal of convert-ssm-to-systolic: one line at the op (file:line:col), never a module
// dump. Each RUN line refuses some of the cases below and lowers the others.
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p 'epoch-set-machine{hw=tpu},convert-func-to-systolic,convert-ssm-to-systolic' | filecheck %s --check-prefix=TPU
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic' | filecheck %s --check-prefix=PRODF
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=ws}' | filecheck %s --check-prefix=WS
// RUN: epoch opt %s --split-input-file --verify-diagnostics -p 'epoch-set-machine{hw=tiny},convert-func-to-systolic,convert-ssm-to-systolic{chunk=100000}' | filecheck %s --check-prefix=CHUNK
// RUN: not epoch opt %s -p 'epoch-set-machine{hw=small},convert-func-to-systolic,convert-ssm-to-systolic{dataflow=xs}' 2>&1 | filecheck %s --check-prefix=DATAFLOW
// RUN: not epoch opt %s -p 'epoch-set-machine{hw=tiny},convert-func-to-systolic,convert-ssm-to-systolic' 2>&1 | filecheck %s --check-prefix=EXIT

// ProDF needs LIMA-PEs: on the TPU-like baseline it is refused at the op.
// TPU: convert-ssm-to-systolic-invalid.mlir:[[# @LINE + 3]]:8: error: 'ssm.scan' op dataflow prodf needs LIMA-PEs, but target 'tpu' has mac PEs: use dataflow ws, os or is
// DATAFLOW: error: convert-ssm-to-systolic: dataflow must be one of prodf, ws, os, is, got 'xs'
func.func @prodf_on_mac(%u: tensor<8x2xf32>, %a: tensor<2x2xcomplex<f32>>, %d: tensor<2xf32>) -> tensor<8x2xf32> {
  %y = ssm.scan %u, %a, %a, %a, %d : (tensor<8x2xf32>, tensor<2x2xcomplex<f32>>, tensor<2x2xcomplex<f32>>, tensor<2x2xcomplex<f32>>, tensor<2xf32>) -> tensor<8x2xf32>
  func.return %y : tensor<8x2xf32>
}

// -----

// ProDF preloads complex planes: real planes known only at run time are widened on chip, a
// tile of channels at a time (4N words of bank weight per channel). A single channel of 40000
// modes does not fit small's 131072 words, nor tiny's 16384.
// Without --verify-diagnostics this first refusal ends epoch opt: status 1, one line, no trace.
// PRODF: convert-ssm-to-systolic-invalid.mlir:[[# @LINE + 4]]:8: error: 'ssm.scan' op cannot widen Abar: widening an f32 plane of 40000 modes to complex<f32> needs 160000 words per channel of bank 'weight', which has 131072
// EXIT: convert-ssm-to-systolic-invalid.mlir:[[# @LINE + 3]]:8: error: 'ssm.scan' op cannot widen Abar
// EXIT-NOT: Traceback
func.func @prodf_real_runtime_too_many_modes(%u: tensor<8x1xf32>, %a: tensor<1x40000xf32>, %d: tensor<1xf32>) -> tensor<8x1xf32> {
  %y = ssm.scan %u, %a, %a, %a, %d : (tensor<8x1xf32>, tensor<1x40000xf32>, tensor<1x40000xf32>, tensor<1x40000xf32>, tensor<1xf32>) -> tensor<8x1xf32>
  func.return %y : tensor<8x1xf32>
}

// -----

// The recurrent mode works on f32 planes: complex planes known only at run time are split into
// their real and imaginary rows on chip, which stages one plane (loaded, and as f32 words) and
// the selection matrices in bank weight next to the stacked planes and the state.
// WS: convert-ssm-to-systolic-invalid.mlir:[[# @LINE + 2]]:8: error: 'ssm.scan' op the recurrent mode keeps {{[0-9]+}} words of planes and state on chip, more than the 131072 words of bank 'weight'
func.func @conventional_complex_runtime_too_many_modes(%u: tensor<8x1xf32>, %a: tensor<1x8000xcomplex<f32>>, %d: tensor<1xf32>) -> tensor<8x1xf32> {
  %y = ssm.scan %u, %a, %a, %a, %d : (tensor<8x1xf32>, tensor<1x8000xcomplex<f32>>, tensor<1x8000xcomplex<f32>>, tensor<1x8000xcomplex<f32>>, tensor<1xf32>) -> tensor<8x1xf32>
  func.return %y : tensor<8x1xf32>
}

// -----

// A chunk larger than the stream buffers hold (tiny: 16384-word banks, two buffers of 2
// channels per side) is refused with the limit.
// CHUNK: convert-ssm-to-systolic-invalid.mlir:[[# @LINE + 2]]:8: error: 'ssm.scan' op cannot stream the sequence: a chunk of 100000 timesteps does not fit: the buffers hold 4096 (banks 'input' and 'output' give each side 16384 words)
func.func @chunk_too_long(%u: tensor<8x2xf32>, %a: tensor<2x2xcomplex<f32>>, %d: tensor<2xf32>) -> tensor<8x2xf32> {
  %y = ssm.scan %u, %a, %a, %a, %d : (tensor<8x2xf32>, tensor<2x2xcomplex<f32>>, tensor<2x2xcomplex<f32>>, tensor<2x2xcomplex<f32>>, tensor<2xf32>) -> tensor<8x2xf32>
  func.return %y : tensor<8x2xf32>
}

// -----

// The recurrent mode keeps its planes, state and (for run-time planes) staging buffers in the
// weight bank: 16000 channels need 9 x 16000 + 1 words, more than small's 131072.
// WS: convert-ssm-to-systolic-invalid.mlir:[[# @LINE + 2]]:8: error: 'ssm.scan' op the recurrent mode keeps 144001 words of planes and state on chip, more than the 131072 words of bank 'weight'
func.func @recurrent_too_wide(%u: tensor<1x16000xf32>, %a: tensor<16000x1xf32>, %d: tensor<16000xf32>) -> tensor<1x16000xf32> {
  %y = ssm.scan %u, %a, %a, %a, %d : (tensor<1x16000xf32>, tensor<16000x1xf32>, tensor<16000x1xf32>, tensor<16000x1xf32>, tensor<16000xf32>) -> tensor<1x16000xf32>
  func.return %y : tensor<1x16000xf32>
}
