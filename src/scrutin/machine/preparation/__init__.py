"""The town hall's form that builds an election package (RT 1, 3, 54)."""
