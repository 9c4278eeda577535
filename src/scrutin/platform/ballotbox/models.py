"""Encrypted ballots. No timestamp, no elector identifier, no visible insertion order.

The primary key is the ballot's fingerprint (its tracker), so listing ballots in key order is
listing them in an order independent of their arrival (design README §3.1, RT 66). The
database's own order (PostgreSQL ``ctid``/``xmin``, SQLite ``rowid``) follows arrival during the
vote; it is rewritten in key order when the last urn closes (``order.py``, docs/voting.md).
"""

from django.db import models


class Ballot(models.Model):
    fingerprint = models.CharField(max_length=64, primary_key=True)
    urn_code = models.CharField(max_length=16, db_index=True)
    content = models.JSONField()
    # SHA-256 of the ballot's ciphertexts alone: a ballot replaying another's ciphertexts with
    # fresh proofs is refused (design crypto.md).
    ciphertexts = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["fingerprint"]
        verbose_name = "bulletin chiffré"
        verbose_name_plural = "bulletins chiffrés"

    def __str__(self) -> str:
        return f"bulletin {self.fingerprint[:12]}…"


class BallotIntent(models.Model):
    """Tags a just-stored ballot with the hash of its cast's token until the émargement is
    recorded (then deleted): the only, short-lived, link used for crash recovery."""

    token_hash = models.CharField(max_length=64, primary_key=True)
    fingerprint = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"intent {self.token_hash[:12]}…"


class Alpha(models.Model):
    """Every ElGamal ``alpha`` of the stored ballots, unique: a ballot reusing any ciphertext of
    another (copied answer, replay) is refused at cast time, as protocol.md §7 requires and the
    verifier checks."""

    alpha = models.CharField(max_length=130, primary_key=True)
    fingerprint = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return self.alpha[:16]
