"""Voter credentials: one per voting right, stored as keyed hashes (CCTP 4.1.4.2, 4.1.4.5)."""
