import os

# One BLAS thread: after a numpy product OpenBLAS's idle workers spin and starve torch's
# threads on a small machine (measured on 2 cores: a query embedding went from 6 ms to
# 80-100 ms after the sentence-matrix product). Our numpy work is small; torch keeps its own.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
