"""DriftValidator: schema anomalies, per-feature data drift, multivariate drift and concept drift, with a gate."""
