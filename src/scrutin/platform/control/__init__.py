"""Control interface during the vote (CCTP 4.1.4.7, 4.1.5, 4.2.2.1, 4.2.5): participation,
émargement lists, seal status, suspension, usage indicators. Never a count of votes."""
