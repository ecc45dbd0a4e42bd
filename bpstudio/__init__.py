"""Backprop Studio: draw a network, watch it learn, see every number of backpropagation."""

__version__ = "0.1.0"
