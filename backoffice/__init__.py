"""Back-office operations that starter.py runs: erasure and retention."""
