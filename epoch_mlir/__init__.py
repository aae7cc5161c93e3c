"""epoch-mlir: compiler toolchain and ISA-level emulator for the EpochCore SSM accelerator."""

__version__ = "0.1.0"
