"""A voter terminal (RT 8–14, 25, 32–40): the kiosk page and its process."""
