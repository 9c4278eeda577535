"""The ballot box: encrypted ballots only, in their own database (CCTP 4.1.4.4, RT 66)."""
