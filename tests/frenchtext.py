"""Finding English words and internal identifiers in text meant for users (issue 12).

Every string a voter, a COE member, a CCI officer or a town-hall agent sees is plain French
(docs/style rules). These helpers pull the user-visible text out of templates, rendered pages and
Python sources (the messages, form errors, refusals and command output handed to users) and name
what looks English or like a raw identifier. The word list holds only words that are not also
French (« message », « page », « code », « date », « signature », « session » are both), so it
stays quiet on French text; what is legitimately technical is removed first, each kind with its
reason (file names of the record, commands typed by the COE, fingerprints, e-mail addresses).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

# English words that are not French words (accents matter: « election », « president » and
# « emargement » without their accents are the English words or raw codes).
ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "with",
        "without",
        "is",
        "are",
        "was",
        "were",
        "been",
        "this",
        "that",
        "these",
        "those",
        "from",
        "for",
        "not",
        "none",
        "null",
        "true",
        "false",
        "yes",
        "error",
        "errors",
        "failed",
        "failure",
        "invalid",
        "unknown",
        "missing",
        "wrong",
        "expected",
        "found",
        "should",
        "must",
        "cannot",
        "please",
        "click",
        "here",
        "submit",
        "cancel",
        "save",
        "delete",
        "edit",
        "upload",
        "download",
        "file",
        "files",
        "user",
        "users",
        "username",
        "password",
        "login",
        "logout",
        "signed",
        "key",
        "keys",
        "trustee",
        "trustees",
        "assessor",
        "assessors",
        "president",
        "ballot",
        "ballots",
        "tally",
        "partial",
        "decryption",
        "decrypt",
        "encrypt",
        "encrypted",
        "seal",
        "sealed",
        "sealing",
        "unseal",
        "unsealed",
        "opening",
        "closing",
        "platform",
        "emargement",
        "emargements",
        "receipt",
        "tracker",
        "proof",
        "proofs",
        "shares",
        "election",
        "elections",
        "candidate",
        "candidates",
        "voters",
        "result",
        "results",
        "count",
        "counts",
        "threshold",
        "urn",
        "urns",
        "registered",
        "voted",
        "status",
        "pending",
        "running",
        "done",
        "success",
        "warning",
        "outcome",
        "accepted",
        "rejected",
        "refused",
        "name",
        "names",
        "data",
        "malformed",
        "round",
    ]
)

# Technical text a user is meant to see as it is, removed before the check (with the reason).
ALLOWED = (
    # names of the files of the public record and of the downloads the COE verifies or keeps
    re.compile(r"\b[\w.-]+\.(?:jsonl?|csv|pdf|zip|tar\.gz|gz|txt|key|svg|png)\b"),
    # commands the COE or an expert types (docs/fr), with their options and arguments
    re.compile(r"(?:\.venv/bin/)?scrutin(?: [a-z][\w-]*| --[\w-]+| [A-Z]+\b| [\w./<>-]+/)+"),
    re.compile(r"python -m [\w.]+"),
    # the commands' options, named as typed (« --cci CODE », « --missing »)
    re.compile(r"(?<![\w-])--[a-z][\w-]*"),
    # web and e-mail addresses, fingerprints (hex) and URL paths
    re.compile(r"https?://\S+|[\w.+-]+@[\w.-]+|\b[0-9a-f]{16,}\b|(?<!\w)/[\w/.-]+/"),
)

IDENTIFIER = (
    (re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"), "identifiant snake_case"),
    (re.compile(r"\b[a-z]+:[a-z]+:[a-z-]+\b"), "code d'événement"),
    (re.compile(r"\b[a-z]+[A-Z][A-Za-z]*\b"), "identifiant camelCase"),
    (re.compile(r"\b(?:None|True|False)\b"), "valeur Python"),
    (re.compile(r"[\w-]+ \([a-z]+\)"), None),  # checked below: « assesseur-1 (assessor) »
)
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]+(?:['’-][A-Za-zÀ-ÖØ-öø-ÿŒœ]+)*")


@dataclass(frozen=True)
class Finding:
    where: str
    what: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what} dans « {self.text[:160]} »"


def problems(text: str, where: str) -> list[Finding]:
    """English words and raw identifiers in one piece of user-visible text."""
    out: list[Finding] = []
    clean = text
    for pattern in ALLOWED:
        clean = pattern.sub(" ", clean)
    for pattern, what in IDENTIFIER:
        for m in pattern.finditer(clean):
            if what is None:
                inner = m.group(0).rsplit("(", 1)[1].rstrip(")")
                if inner.lower() in ENGLISH:
                    out.append(Finding(where, f"rôle ou code en anglais « {m.group(0)} »", text))
            else:
                out.append(Finding(where, f"{what} « {m.group(0)} »", text))
    for m in WORD.finditer(clean):
        for part in re.split(r"['’-]", m.group(0)):
            if part.lower() in ENGLISH and not part.isupper():
                out.append(Finding(where, f"mot anglais « {part} »", text))
    return out


# --- templates and pages -------------------------------------------------------------------

_DROP = [
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I),
    re.compile(r"<code\b.*?</code>", re.S | re.I),  # commands, fingerprints, file contents
    re.compile(r"<!--.*?-->", re.S),
]
_ATTRS = re.compile(r"""\b(?:alt|title|aria-label|placeholder)\s*=\s*"([^"]*)\"""", re.I)
_TAG = re.compile(r"<[^>]+>")
_DJANGO = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)


def visible_text(html: str) -> list[str]:
    """The pieces of text a reader sees (and hears: alt, title, aria-label, placeholder)."""
    for pattern in _DROP:
        html = pattern.sub(" ", html)
    pieces = [m.group(1) for m in _ATTRS.finditer(html)]
    body = _TAG.sub("\n", html)
    pieces += [line for line in body.splitlines() if line.strip()]
    return [unescape(_DJANGO.sub(" ", p)).strip() for p in pieces if _DJANGO.sub("", p).strip()]


def scan_html(html: str, where: str) -> list[Finding]:
    return [f for piece in visible_text(html) for f in problems(piece, where)]


# --- Python sources -------------------------------------------------------------------------

# Calls whose string arguments reach a user: flash messages, form and model validation errors,
# refusals raised to the pages, the commands' output and help, the pages' titles and messages.
MESSAGES = frozenset({"error", "success", "info", "warning"})  # django.contrib.messages.*
SINK_NAMES = frozenset(
    {
        "ValidationError",
        "CommandError",
        "BadParameter",
        "echo",
        "secho",
        "print",
        "_fail",
        "fail",
        "Option",
        "Argument",
        "Typer",
        "add_argument",
        "ArgumentParser",
        "send_mail",
    }
)
SINK_SUFFIXES = ("Refused", "Rejected")
SINK_KEYWORDS = frozenset({"help", "label", "help_text", "verbose_name", "description",
                           "error_messages", "title", "message"})  # fmt: skip


def _strings(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else " X "
            for v in node.values
        )
    elif isinstance(node, ast.BinOp):
        yield from _strings(node.left)
        yield from _strings(node.right)
    elif isinstance(node, (ast.Dict, ast.Tuple, ast.List)):
        for child in ast.iter_child_nodes(node):
            yield from _strings(child)
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def user_strings(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every sentence handed to a user-facing sink in ``path``. A string
    without a space (once the f-string's values are left out) is a code, a key, a template or a
    field name, not a sentence: refusal codes (``already-voted``), document fields named in a
    validation error (``ballots[0].seats``) and template names are not prose."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        flash = (
            name in MESSAGES
            and isinstance(node.func, ast.Attribute)
            and getattr(node.func.value, "id", "") == "messages"
        )  # not the loggers'
        if flash or name in SINK_NAMES or name.endswith(SINK_SUFFIXES):
            for arg in node.args:
                yield from ((node.lineno, t) for t in _strings(arg) if _prose(t))
        for kw in node.keywords:
            if kw.arg in SINK_KEYWORDS:
                yield from ((node.lineno, t) for t in _strings(kw.value) if _prose(t))


def _prose(text: str) -> bool:
    return re.search(r"\w\s+\w", text.replace(" X ", "")) is not None
