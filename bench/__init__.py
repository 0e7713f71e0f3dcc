"""Benchmarks: `make bench` (or `python -m bench NAME`). Figures are printed as ratios against a
baseline measured in the same run. These are measurements, not tests: nothing here asserts."""
