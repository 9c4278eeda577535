"""Tamper-evident, hash-chained journal of administrative and voting-phase events (CCTP 4.2.2.1)."""
