"""Whole-program benchmarks: `python -m benchmarks` runs them all, `python -m benchmarks NAME` one.

docs/benchmarks.md gives the figures, the machine and how to run them.
"""
