// What only serialization can find: a module without exactly one program, symbolic operands
// that do not fit once resolved, data that overlaps with different values or lies before the
// data base.
// RUN: epoch opt %s --split-input-file --verify-diagnostics -t epoch-asm | filecheck %s

// CHECK: epoch-asm-invalid.mlir:{{[0-9]+}}:1: error: 'builtin.module' op serializes one epoch.program, but the module has none
func.func @f() {
  func.return
}

// -----

// CHECK: error: 'builtin.module' op serializes one epoch.program, but the module has 2
epoch.program {
}
epoch.program {
}

// -----

epoch.program {
  epoch.symbol arg @x at 134217720 : tensor<16xf32>
  epoch.symbol sram @buf at 0 : tensor<16xf32>
  // CHECK: epoch-asm-invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.load' op src: offset 134217736 outside [-134217728, 134217728)
  epoch.load @buf, @x+16, 1, 16, 16, 16
}

// -----

epoch.program {
  epoch.symbol const @a at 0 = dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: epoch-asm-invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.symbol' op @b overlaps @a with different data at address 1
  epoch.symbol const @b at 1 = dense<[3.0, 4.0]> : tensor<2xf32>
}

// -----

epoch.program {
  epoch.symbol const @a at 0 = dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: epoch-asm-invalid.mlir:[[# @LINE + 1]]:3: error: 'epoch.data' op the data at 0 overlaps @a with different data at address 0
  epoch.data at 0 = [1]
}

// -----

// CHECK: epoch-asm-invalid.mlir:[[# @LINE + 1]]:1: error: 'epoch.program' op data at 8 lies before data_base 16
epoch.program data_base 16 {
  epoch.data at 8 = [1]
}

