"""The control module (RT 52): the president's equipment, owner of the machine's storage."""
