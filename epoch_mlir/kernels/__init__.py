"""Hand-written reference kernels, built with `ProgramBuilder`.

They exercise the ISA directly (before and beside the compiler): the examples in examples/asm are
generated from them, and the emulator's tests and benchmarks run them.
"""
