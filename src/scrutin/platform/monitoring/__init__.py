"""Health probes, Prometheus metrics and incident reporting (issue 18, CCTP 4.2.2.3)."""
