"""The instruction table of EpochCore: one row per instruction, nothing about it written twice.

Each row holds the mnemonic, unit, opcode, operand fields (names from `fields.py`), the memory it
reads and writes (which drives the emulator's bounds checks, dependency tracking and traffic
counts), its cycle formula, its energy events, and a summary and pseudo-code for docs/isa.md.
The encoder/decoder, assembler, disassembler, emulator dispatch, the `epoch` dialect and
docs/isa.md are all derived from these rows.

Formulas are Python expressions over: the row's fields (memory operands are effective word
addresses, flags 0/1, enums their keyword), the machine (`R` rows, `C` cols, `lanes`,
`dram_latency`, `dram_bw` bytes/cycle, `lat` the vector latency of the row's class) and the array
state (`df` dataflow, `S` rows per column segment, `G` segments per column; for `lima`, `nch` and
`nm` of the coefficients in the slot). `ceil` and `log2` are available.
"""

from __future__ import annotations

from dataclasses import dataclass

READ = "read"
WRITE = "write"


def coefficient_block_words(nch: int, nm: int) -> int:
    """Words of one LIMA coefficient block as `ldc` reads it: abar, bbar and c (nch x nm complex
    planes, two words an element), then D (nch reals). The dialect's buffers, the compiler,
    the kernels and the emulator all size blocks with this."""
    return 6 * nch * nm + nch


@dataclass(frozen=True)
class Access:
    """A 2-D region an instruction reads or writes: rows x cols elements, `stride` words apart."""

    mode: str  # READ or WRITE
    space: str  # "sram", "dram" or "slot" (a stationary-operand buffer of the array)
    address: str  # the memory field (or for "slot" the slot field) giving the base address
    rows: str
    cols: str  # elements per row
    stride: str  # words between rows
    elem_words: int = 1  # 2 for complex64 elements
    when: str = "1"  # the access happens only when this is true
    # words actually moved, when not the whole region: a gather reads `rows` rows of a table
    # whose every row it may touch (the region, for bounds and dependencies)
    moved: str | None = None


@dataclass(frozen=True)
class Instr:
    """One instruction: everything the toolchain knows about it."""

    mnemonic: str
    unit: str  # "control", "dma", "array" or "vector"
    opcode: int
    fields: tuple[str, ...]
    summary: str
    semantics: str  # pseudo-code, for docs
    cycles: str = "0"
    accesses: tuple[Access, ...] = ()
    macs: str = "0"  # useful real multiply-accumulates on the array (complex MAC = 4)
    pe_cycles: str = "0"  # PE-cycles of useful work on the array (one PE busy for one cycle)
    fp_adds: str = "0"  # vector-unit fp32 adds (energy)
    fp_muls: str = "0"  # vector-unit fp32 multiplies (energy)
    latency_class: str | None = None  # key of machine.vector_latency, bound to `lat`
    elem_words: int = 1  # words per element of the vector operands (2: complex)
    # further cycles before its results are visible: a DMA's DRAM latency, during which the
    # engine already moves the next transfer (requests pipeline; bandwidth is the limit)
    latency: str = "0"


def _sram(
    mode: str,
    address: str,
    rows: str,
    cols: str,
    stride: str,
    elem_words: int = 1,
    when: str = "1",
) -> Access:
    return Access(mode, "sram", address, rows, cols, stride, elem_words, when)


_VECTOR_CYCLES = "lat + ceil(rows * cols / lanes)"
_VECTOR_SUMMARY = "Elementwise {what} of a rows x cols region on the vector unit."


def _vector_binary(
    mnemonic: str,
    opcode: int,
    what: str,
    expression: str,
    adds: int,
    muls: int,
    latency_class: str,
    elem_words: int = 1,
) -> Instr:
    ew = elem_words
    return Instr(
        mnemonic,
        "vector",
        opcode,
        ("dst", "a", "b", "rows", "cols", "dst_stride", "a_stride", "b_stride", "abc", "bbc"),
        _VECTOR_SUMMARY.format(what=what),
        f"dst[i, j] = {expression}   (A[i, j] = a[i*a_stride + (0 if abc else j)], same for B)",
        _VECTOR_CYCLES,
        (
            _sram(READ, "a", "rows", "1 if abc else cols", "a_stride", elem_words=ew),
            _sram(READ, "b", "rows", "1 if bbc else cols", "b_stride", elem_words=ew),
            _sram(WRITE, "dst", "rows", "cols", "dst_stride", elem_words=ew),
        ),
        fp_adds=f"{adds} * rows * cols",
        fp_muls=f"{muls} * rows * cols",
        latency_class=latency_class,
        elem_words=ew,
    )


def _vector_unary(
    mnemonic: str,
    opcode: int,
    what: str,
    expression: str,
    adds: int,
    muls: int,
    latency_class: str,
    elem_words: int = 1,
) -> Instr:
    ew = elem_words
    return Instr(
        mnemonic,
        "vector",
        opcode,
        ("dst", "a", "rows", "cols", "dst_stride", "a_stride"),
        _VECTOR_SUMMARY.format(what=what),
        f"dst[i, j] = {expression}   (A[i, j] = a[i*a_stride + j])",
        _VECTOR_CYCLES,
        (
            _sram(READ, "a", "rows", "cols", "a_stride", elem_words=ew),
            _sram(WRITE, "dst", "rows", "cols", "dst_stride", elem_words=ew),
        ),
        fp_adds=f"{adds} * rows * cols",
        fp_muls=f"{muls} * rows * cols",
        latency_class=latency_class,
        elem_words=ew,
    )


def _vector_immediate(
    mnemonic: str, opcode: int, what: str, expression: str, adds: int, muls: int, latency: str
) -> Instr:
    return Instr(
        mnemonic,
        "vector",
        opcode,
        ("dst", "a", "fimm", "rows", "cols", "dst_stride", "a_stride"),
        _VECTOR_SUMMARY.format(what=what),
        f"dst[i, j] = {expression}   (A[i, j] = a[i*a_stride + j])",
        _VECTOR_CYCLES,
        (
            _sram(READ, "a", "rows", "cols", "a_stride"),
            _sram(WRITE, "dst", "rows", "cols", "dst_stride"),
        ),
        fp_adds=f"{adds} * rows * cols",
        fp_muls=f"{muls} * rows * cols",
        latency_class=latency,
    )


# Energy estimates of the vector unit's functions, in fp32 adds and multiplies per element:
# exp = range reduction + degree-6 polynomial; erf/tanh/log polynomials alike; div and rsqrt by
# Newton-Raphson. These are the project's estimates (docs/machine.md), scaled by the energy table.
INSTRUCTIONS: tuple[Instr, ...] = (
    # region control --------------------------------------------------------------------------
    Instr(
        "halt",
        "control",
        0x01,
        (),
        "Stop the program once every unit has finished.",
        "wait for all units; stop",
    ),
    Instr(
        "sync",
        "control",
        0x02,
        ("units",),
        "Hold the front end until the named units finish everything issued so far.",
        "for u in units: issue_time = max(issue_time, finish_time[u])",
    ),
    Instr(
        "li",
        "control",
        0x03,
        ("rd", "imm"),
        "Load an immediate (or a symbol's address) into an address register.",
        "r[rd] = imm",
    ),
    Instr(
        "addi",
        "control",
        0x04,
        ("rd", "rs", "imm"),
        "Add an immediate to an address register.",
        "r[rd] = r[rs] + imm",
    ),
    Instr(
        "loop",
        "control",
        0x05,
        ("count", "len", "ra", "sa", "rb", "sb"),
        "Hardware loop: run the next `len` instructions `count` times, advancing two registers.",
        "repeat count times: { body (len instructions); r[ra] += sa; r[rb] += sb }  (r0 stays 0)",
    ),
    # region dma ------------------------------------------------------------------------------
    Instr(
        "load",
        "dma",
        0x10,
        ("dst", "src", "rows", "cols", "dst_stride", "src_stride"),
        "2-D strided copy from DRAM to SRAM.",
        "SRAM[dst + i*dst_stride + j] = DRAM[src + i*src_stride + j]  for i < rows, j < cols",
        "ceil(4 * rows * cols / dram_bw)",
        (
            Access(READ, "dram", "src", "rows", "cols", "src_stride"),
            _sram(WRITE, "dst", "rows", "cols", "dst_stride"),
        ),
        latency="dram_latency",
    ),
    Instr(
        "store",
        "dma",
        0x11,
        ("dst", "src", "rows", "cols", "dst_stride", "src_stride"),
        "2-D strided copy from SRAM to DRAM.",
        "DRAM[dst + i*dst_stride + j] = SRAM[src + i*src_stride + j]  for i < rows, j < cols",
        "ceil(4 * rows * cols / dram_bw)",
        (
            _sram(READ, "src", "rows", "cols", "src_stride"),
            Access(WRITE, "dram", "dst", "rows", "cols", "dst_stride"),
        ),
        latency="dram_latency",
    ),
    Instr(
        "gather",
        "dma",
        0x12,
        ("dst", "src", "ids", "rows", "cols", "dst_stride", "vocab"),
        "Row gather from a DRAM table by int32 indices in DRAM (an embedding lookup).",
        "id = int32 DRAM[ids + i]; fault unless 0 <= id < vocab;"
        "  SRAM[dst + i*dst_stride + j] = DRAM[src + id*cols + j]  for i < rows, j < cols",
        "ceil(4 * rows * (cols + 1) / dram_bw)",
        (
            Access(READ, "dram", "ids", "1", "rows", "rows"),
            Access(READ, "dram", "src", "vocab", "cols", "cols", moved="rows * cols"),
            _sram(WRITE, "dst", "rows", "cols", "dst_stride"),
        ),
        # the indices arrive before the rows they name can be requested
        latency="2 * dram_latency",
    ),
    # region array ----------------------------------------------------------------------------
    Instr(
        "cfg",
        "array",
        0x20,
        ("mode", "dataflow", "seg"),
        "Configure the array: PE mode, dataflow, and column segments for channel packing.",
        "mode, df = mode, dataflow; S = seg or R; G = R // S  (prodf needs lima, ws/os/is mac)",
    ),
    Instr(
        "ldw",
        "array",
        0x21,
        ("slot", "src", "rows", "cols", "src_stride", "trans"),
        "Preload a stationary tile (weights for ws, inputs for is) into a PE buffer slot.",
        "W[slot] = (SRAM tile cols x rows)^T if trans else SRAM tile rows x cols;"
        "  rows <= R, cols <= C",
        "R",
        (
            _sram(READ, "src", "cols if trans else rows", "rows if trans else cols", "src_stride"),
            Access(WRITE, "slot", "slot", "1", "1", "0"),
        ),
    ),
    Instr(
        "ldc",
        "array",
        0x22,
        ("slot", "src", "nch", "nm"),
        "Preload LIMA coefficients (abar, bbar, c per PE; D per channel) into a slot.",
        "abar, bbar, c = 3 complex nch x nm planes at src; D = nch reals after them;"
        "  channel q -> segment q // C, column q % C; mode n -> row (q // C)*S + n;"
        "  nch <= G*C, nm <= S",
        "R",
        (
            _sram(READ, "src", "1", "coefficient_block_words(nch, nm)", "0"),
            Access(WRITE, "slot", "slot", "1", "1", "0"),
        ),
    ),
    Instr(
        "mm",
        "array",
        0x23,
        (
            "slot",
            "dst",
            "a",
            "b",
            "m",
            "n",
            "k",
            "dst_stride",
            "a_stride",
            "b_stride",
            "acc",
            "tout",
        ),
        "One fold of a GEMM in the configured conventional dataflow (SCALE-Sim per-fold timing).",
        "D (m x n) = A (m x k) @ B (n x k)^T  (+ D if acc; stored n x m if tout);"
        "  ws: B^T is the k x n tile in slot, A streams (T = m);"
        "  is: A^T is the k x m tile in slot, B streams (T = n);"
        "  os: A and B both stream (T = k), m <= R, n <= C",
        "R + C + (m if df == 'ws' else n if df == 'is' else k) - 2",
        (
            _sram(READ, "a", "m", "k", "a_stride", when="df != 'is'"),
            _sram(READ, "b", "n", "k", "b_stride", when="df != 'ws'"),
            Access(READ, "slot", "slot", "1", "1", "0", when="df != 'os'"),
            _sram(READ, "dst", "n if tout else m", "m if tout else n", "dst_stride", when="acc"),
            _sram(WRITE, "dst", "n if tout else m", "m if tout else n", "dst_stride"),
        ),
        macs="m * n * k",
        pe_cycles="m * n * k",
    ),
    Instr(
        "lima",
        "array",
        0x24,
        ("slot", "dst", "src", "steps", "dst_stride", "src_stride", "reset", "acc"),
        "ProDF stream: push `steps` timesteps through the LIMA-PEs, one per cycle.",
        "if reset: s = 0;  for t < steps: s = abar*s + bbar*u[t];"
        "  y[t, q] = Re(sum_n c[q, n]*s[q, n]) + D[q]*u[t, q]  (+ y if acc);"
        "  u[t, q] = SRAM[src + t*src_stride + q], y likewise at dst, q < nch",
        "steps + (S + C - 2 if reset else 0)",
        (
            _sram(READ, "src", "steps", "nch", "src_stride"),
            Access(READ, "slot", "slot", "1", "1", "0"),
            _sram(READ, "dst", "steps", "nch", "dst_stride", when="acc"),
            _sram(WRITE, "dst", "steps", "nch", "dst_stride"),
        ),
        macs="8 * steps * nch * nm",
        pe_cycles="steps * nch * nm",
    ),
    Instr(
        "lsel",
        "array",
        0x25,
        (
            "dst",
            "src",
            "a",
            "b",
            "steps",
            "nch",
            "nm",
            "src_stride",
            "b_stride",
            "reset",
            "acc",
        ),
        "Selective ProDF stream (Mamba): real LIMA-PEs with coefficients streamed in every step.",
        "if reset: x = 0 (nm x nch real);  for t < steps:"
        "  x[n, q] = abar[t, n, q]*x[n, q] + B[t, n]*u[t, q];"
        "  y[t, q] = sum_n C[t, n]*x[n, q]  (+ y if acc);"
        "  abar[t, n, q] = SRAM[a + t*nm*nch + n*nch + q], u[t, q] = SRAM[src + t*src_stride + q],"
        "  B[t, n] = SRAM[b + t*b_stride + n], C[t, n] = SRAM[b + t*b_stride + nm + n],"
        "  y[t, q] at SRAM[dst + t*src_stride + q];  nch <= G*C, nm <= S",
        "steps + (S + C - 2 if reset else 0)",
        (
            _sram(READ, "src", "steps", "nch", "src_stride"),
            _sram(READ, "a", "steps", "nm * nch", "nm * nch"),
            _sram(READ, "b", "steps", "2 * nm", "b_stride"),
            _sram(READ, "dst", "steps", "nch", "src_stride", when="acc"),
            _sram(WRITE, "dst", "steps", "nch", "src_stride"),
        ),
        macs="3 * steps * nch * nm",
        pe_cycles="steps * nch * nm",
    ),
    Instr(
        "ldx",
        "array",
        0x26,
        ("src", "nch", "nm", "src_stride"),
        "Load the selective PE states (a held state: streaming, decoding), for lsel to continue.",
        "x[n, q] = SRAM[src + n*src_stride + q]  for n < nm, q < nch (real);"
        "  the next lsel without reset continues from x;  nch <= G*C, nm <= S",
        "R",
        (_sram(READ, "src", "nm", "nch", "src_stride"),),
    ),
    Instr(
        "stx",
        "array",
        0x27,
        ("dst", "nch", "nm", "dst_stride"),
        "Store the selective PE states (after a stream's last step), which stay in the PEs.",
        "SRAM[dst + n*dst_stride + q] = x[n, q]  for n < nm, q < nch",
        "R",
        (_sram(WRITE, "dst", "nm", "nch", "dst_stride"),),
    ),
    Instr(
        "lds",
        "array",
        0x28,
        ("slot", "src", "nch", "nm", "src_stride"),
        "Load the LIMA-PE states of a ProDF fold (a held state: streaming an S4 layer in pieces).",
        "s[q, n] = SRAM[src + q*src_stride + 2n] + i*SRAM[src + q*src_stride + 2n + 1]"
        "  for q < nch, n < nm (complex);  the next lima of `slot` without reset continues"
        " from s;  nch x nm = the slot's coefficients",
        "R",
        (_sram(READ, "src", "nch", "2 * nm", "src_stride"),),
    ),
    Instr(
        "sts",
        "array",
        0x29,
        ("slot", "dst", "nch", "nm", "dst_stride"),
        "Store the LIMA-PE states of `slot`'s fold (after a stream's last step); they stay.",
        "SRAM[dst + q*dst_stride + 2n] = Re s[q, n], SRAM[dst + q*dst_stride + 2n + 1] ="
        " Im s[q, n]  for q < nch, n < nm",
        "R",
        (_sram(WRITE, "dst", "nch", "2 * nm", "dst_stride"),),
    ),
    # region vector ---------------------------------------------------------------------------
    _vector_binary("vadd", 0x30, "addition", "A[i, j] + B[i, j]", 1, 0, "add"),
    _vector_binary("vsub", 0x31, "subtraction", "A[i, j] - B[i, j]", 1, 0, "add"),
    _vector_binary("vmul", 0x32, "multiplication", "A[i, j] * B[i, j]", 0, 1, "mul"),
    _vector_binary("vdiv", 0x33, "division", "A[i, j] / B[i, j]", 1, 4, "div"),
    _vector_binary(
        "vcmul", 0x34, "complex multiplication", "A[i, j] * B[i, j]  (complex64)", 2, 4, "mul", 2
    ),
    _vector_binary(
        "vcdiv", 0x35, "complex division", "A[i, j] / B[i, j]  (complex64)", 4, 10, "div", 2
    ),
    _vector_unary("vexp", 0x40, "exponential", "exp(A[i, j])", 8, 8, "exp"),
    _vector_unary("vgelu", 0x41, "GELU (erf)", "A/2 * (1 + erf(A/sqrt(2)))", 12, 14, "gelu"),
    _vector_unary(
        "vgelut",
        0x42,
        "GELU (tanh approximation)",
        "A/2 * (1 + tanh(sqrt(2/pi) * (A + 0.044715*A^3)))",
        10,
        12,
        "gelu",
    ),
    _vector_unary("vsilu", 0x43, "SiLU", "A / (1 + exp(-A))", 10, 13, "silu"),
    _vector_unary("vsigmoid", 0x44, "sigmoid", "1 / (1 + exp(-A))", 10, 12, "sigmoid"),
    _vector_unary("vsoftplus", 0x45, "softplus", "log(1 + exp(A))", 16, 16, "softplus"),
    _vector_unary("vrelu", 0x46, "ReLU", "max(A, 0)", 1, 0, "relu"),
    _vector_unary("vcopy", 0x47, "copy", "A[i, j]", 0, 0, "copy"),
    _vector_unary("vrev", 0x48, "row reversal", "A[rows - 1 - i, j]", 0, 0, "copy"),
    _vector_unary("vcexp", 0x49, "complex exponential", "exp(A)  (complex64)", 24, 26, "exp", 2),
    Instr(
        "vdexp",
        "vector",
        0x4A,
        ("dst", "a", "b", "rows", "cols", "nm", "a_stride", "b_stride"),
        "Selective-scan discretization exp(delta (x) A): `rows` dense nm x cols planes.",
        "dst[t*nm*cols + n*cols + q] = exp(A[t, q] * B[q, n])  for t < rows, n < nm, q < cols"
        "   (A[t, q] = a[t*a_stride + q], B[q, n] = b[q*b_stride + n])",
        "lat + ceil(rows * cols * nm / lanes)",
        (
            _sram(READ, "a", "rows", "cols", "a_stride"),
            _sram(READ, "b", "cols", "nm", "b_stride"),
            _sram(WRITE, "dst", "rows", "nm * cols", "nm * cols"),
        ),
        fp_adds="8 * rows * cols * nm",
        fp_muls="9 * rows * cols * nm",
        latency_class="exp",
    ),
    _vector_immediate("vaddi", 0x50, "addition of an immediate", "A[i, j] + fimm", 1, 0, "add"),
    _vector_immediate(
        "vmuli", 0x51, "multiplication by an immediate", "A[i, j] * fimm", 0, 1, "mul"
    ),
    _vector_immediate(
        "vrsqrt", 0x52, "reciprocal square root", "1 / sqrt(A[i, j] + fimm)", 3, 6, "rsqrt"
    ),
    Instr(
        "vrsum",
        "vector",
        0x58,
        ("dst", "a", "fimm", "rows", "cols", "dst_stride", "a_stride", "acc"),
        "Row reduction (sum over each row, scaled): the means of layer norm.",
        "dst[i*dst_stride] = fimm * sum_j A[i, j]  (+ dst if acc)",
        "lat + rows * ceil(cols / lanes) + ceil(log2(lanes))",
        (
            _sram(READ, "a", "rows", "cols", "a_stride"),
            _sram(READ, "dst", "rows", "1", "dst_stride", when="acc"),
            _sram(WRITE, "dst", "rows", "1", "dst_stride"),
        ),
        fp_adds="rows * cols",
        fp_muls="rows",
        latency_class="reduce",
    ),
    Instr(
        "vcsum",
        "vector",
        0x59,
        ("dst", "a", "fimm", "rows", "cols", "a_stride", "acc"),
        "Column reduction (sum over rows, scaled): mean pooling over the sequence.",
        "dst[j] = fimm * sum_i A[i, j]  (+ dst if acc)",
        "lat + rows * ceil(cols / lanes)",
        (
            _sram(READ, "a", "rows", "cols", "a_stride"),
            _sram(READ, "dst", "1", "cols", "0", when="acc"),
            _sram(WRITE, "dst", "1", "cols", "0"),
        ),
        fp_adds="rows * cols",
        fp_muls="cols",
        latency_class="reduce",
    ),
)

BY_MNEMONIC: dict[str, Instr] = {row.mnemonic: row for row in INSTRUCTIONS}
BY_OPCODE: dict[int, Instr] = {row.opcode: row for row in INSTRUCTIONS}
UNIT_ORDER = ("control", "dma", "array", "vector")
