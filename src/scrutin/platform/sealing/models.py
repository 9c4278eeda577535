"""Models of the sealing app."""
