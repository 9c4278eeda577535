"""Candidatures, groupements, professions de foi, bulletins (CCTP 3.2.2.2, 4.1.3)."""
