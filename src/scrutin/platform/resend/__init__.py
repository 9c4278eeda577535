"""Resend of the voting material (CCTP 4.1.6, 5.1.3.3): the public request with an identity
document, the COE's decision, retention until the end of the appeal period (docs/resend.md)."""
