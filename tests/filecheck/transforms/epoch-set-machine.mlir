// epoch-set-machine puts the whole machine description on the module, once; later passes read
// it from there, so a module dumped mid-pipeline keeps its machine.
// RUN: epoch opt %s -p 'epoch-set-machine{hw=tiny}' | filecheck %s
// RUN: epoch opt %s -p 'epoch-set-machine{hw=tpu},epoch-set-machine{hw=small}' | filecheck %s --check-prefix=LAST
// A TOML machine is embedded whole: the file is not needed afterwards.
// RUN: printf 'base = "tiny"\nname = "mine"\nclock_ghz = 0.5\n' > %t.toml
// RUN: epoch opt %s -p 'epoch-set-machine{hw="%t.toml"}' > %t.mlir
// RUN: rm %t.toml
// RUN: epoch opt %t.mlir -p 'convert-func-to-systolic' | filecheck %s --check-prefix=TOML
// RUN: not epoch opt %s -p 'epoch-set-machine{hw=nonesuch}' 2>&1 | filecheck %s --check-prefix=UNKNOWN

// CHECK: builtin.module attributes {epoch.machine = #epoch.machine<"tiny", {array = {preload_overlap = false}, clock_ghz = 1.000000e+00 : f64, cols = 4 : i64,
// CHECK-SAME: name = "tiny", pe = "lima", rows = 4 : i64,
// CHECK-NEXT: func.func @main
// LAST: #epoch.machine<"small", {{.*}}name = "small"
// LAST-NOT: "tpu"
// TOML: epoch.machine = #epoch.machine<"{{.*}}.toml", {{.*}}clock_ghz = 5.000000e-01 : f64{{.*}}name = "mine"
// TOML-SAME: systolic.target = #systolic.target<"mine"
// UNKNOWN: error: pass 'epoch-set-machine' failed: unknown machine preset 'nonesuch' (presets: epochcore, small, tiny, tpu; or give a .toml file path)
func.func @main(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  func.return %x : tensor<8x4xf32>
}
