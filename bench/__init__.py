"""Benchmarks: each figure is a ratio against its bare limit measured in the same run."""
