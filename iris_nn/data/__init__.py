"""Data: the registry of data sets, the stratified split, the input scaler."""
