"""Accounts, roles and perimeters of the management site (CCTP 4.1.4.7, annex 7.1.4)."""
