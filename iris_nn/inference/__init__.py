"""Using a trained model: predictions with their explanations (``predict``), metrics
(``metrics``) and a model scored on its test rows or a labelled CSV (``evaluate``)."""
