"""Framework-free election core: elections, ballot rules, counting and seat allocation."""
