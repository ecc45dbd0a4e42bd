"""Backprop Studio: draw a network, watch it learn, see every number of backpropagation."""

import os as _os

# The engine's matrices are small (a teaching network's layers, a few hundred samples), and a
# multi-threaded BLAS spins its threads on every product: on a busy machine a 100×100 layer
# then takes 150 ms instead of 2 ms, which is what froze the window while training a
# 500-neuron network. One thread is as fast here and keeps the GUI answering. Set before
# numpy loads its BLAS (importing bpstudio first); an explicit setting in the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")

__version__ = "0.1.0"
