"""The fuzz suite (issue 6): every bad input gets a one-line error, nothing is lost, nothing hangs.

One module per kind of input: IR text mutations, generic ops, npz inputs, TOML machine files,
pass pipelines, program files and assembly; test_limits and test_regressions pin the limits,
determinism, emulator faults and every bug the fuzzer found. harness.py holds the property.

Hypothesis is derandomized, so CI runs the same cases every time (about a minute on 2 cores).
Knobs (environment variables):
    EPOCH_FUZZ_EXAMPLES=N   N examples per property (a longer local campaign, e.g. 3000)
    EPOCH_FUZZ_COLLECT=FILE append each failure (with its generated input) and carry on
    EPOCH_FUZZ_LOG=FILE     record every case's status and first stderr line
The terminal summary lists how many cases of each kind ran.
"""
