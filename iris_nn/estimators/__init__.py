"""The scikit-learn face: ``IrisNNClassifier`` and cross-validation beside scikit-learn baselines."""
