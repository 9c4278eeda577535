"""Personal data at the end of the election (CCTP 4.2.3): what is handed back to each CCI."""
