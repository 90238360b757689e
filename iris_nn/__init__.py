"""iris-nn: a neural network written from scratch in numpy, trained on the Iris flowers."""

__version__ = "0.1.0"
