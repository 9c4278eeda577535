"""Releases of Scrutin: the signed, rebuildable artefacts of a version (CCTP 4.2.2.4; RT 4, 72).

* :mod:`.wheel`: building the ``scrutin`` wheel from a source tree and listing the SHA-256 of
  every file it installs (shared by the voting machine's bundle and the sealed release);
* :mod:`.archive`: the deterministic source archive of the git-tracked files;
* :mod:`.seal`: ``scrutin release seal`` and ``release check``.

Standard library and PyNaCl only: no web framework is imported here.
"""
