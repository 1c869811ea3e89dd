"""Benchmarks: each prints figures as ratios to a matched baseline in the same run."""
