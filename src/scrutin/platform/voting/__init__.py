"""The voters' site: login, ballot, encrypted cast, receipt (CCTP 4.1.4.2 to 4.1.4.5)."""
