"""Framework-free readers for the files of CCTP annex 7 (structure 7.1.2, electors 7.1.3).

Nothing here imports Django: the rules are pure functions over text, so they are tested with
Hypothesis and reused by the web pages, the CLI and the benchmark alike.
"""
