"""Electoral structure (CCIs, categories, urns, ballots) and electors lists (CCTP 4.1.2, annex 7.1.2-7.1.3)."""
