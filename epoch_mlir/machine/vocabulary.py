"""The words every layer uses for the array's processing elements and dataflows, defined once.

The machine description names its PE kind with them, the ISA encodes them (`cfg`, in its own
field order), the dialects and passes take them as options, and the command line offers them.
"""

from __future__ import annotations

LIMA = "lima"  # the leaky-integrate multiply-accumulate PE (EpochCore); also does plain MACs
MAC = "mac"  # a plain multiply-accumulate PE (the TPU-like baseline)
PE_KINDS = (LIMA, MAC)

PRODF = "prodf"  # state-stationary streaming of SSM scans through LIMA-PEs
CONVENTIONAL_DATAFLOWS = ("ws", "os", "is")  # weight-, output-, input-stationary GEMMs
DATAFLOWS = (PRODF, *CONVENTIONAL_DATAFLOWS)
# the PE mode each dataflow runs in (`cfg` faults on any other pairing)
MODE_OF_DATAFLOW = {PRODF: LIMA, **dict.fromkeys(CONVENTIONAL_DATAFLOWS, MAC)}
