"""Redaction: secrets never leave the machine, whatever a sensor picked up.

Every summary and detail is redacted when it enters the context store, and the
final block is redacted again before it is handed out, so a pattern missed on
one path is caught on the other. Patterns err on the side of hiding: a long
random-looking string costs the model little, a leaked key costs the user a lot.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import PurePath

REDACTED = "[redacted]"

#: Well-known credential shapes, matched anywhere in the text.
_TOKEN_PATTERNS = [
    re.compile(
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
        re.S,
    ),
    re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"),
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}\b"),
    re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}\b"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}\b"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_\-]{4,}\.eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}"),
]

#: `name=value` / `name: value` where the name says it is a secret: keep the name.
_ASSIGNMENT = re.compile(
    r"""(?ix)
    (?P<name>[\w.\-]*(?:password|passwd|secret|token|api[_\-]?key|access[_\-]?key
        |private[_\-]?key|credentials?)[\w.\-]*)
    (?P<sep>\s*[=:]\s*)
    (?:(?P<quote>["'])[^"'\n]{1,200}(?P=quote)|[^\s"',;]{3,})
    """
)

#: `Authorization: Bearer <token>` style headers.
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/\-]{8,}=*")

#: Credentials embedded in URLs: scheme://user:secret@host.
_URL_CREDENTIALS = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^\s:/@]+:)[^\s@/]+(?=@)", re.I)

#: Candidates for the entropy test: long runs of hex or base64-ish characters.
_LONG_HEX = re.compile(r"\b[0-9a-fA-F]{32,}\b")
_LONG_B64 = re.compile(r"[A-Za-z0-9+/_\-]{32,}={0,2}")

#: Shannon entropy (bits per char) above which a mixed-class run looks random.
_ENTROPY_THRESHOLD = 4.0


def _entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _looks_random(run: str) -> bool:
    """A base64-ish run that mixes letter cases and digits and has high entropy."""
    if not (any(c.islower() for c in run) and any(c.isupper() for c in run)):
        return False
    if not any(c.isdigit() for c in run):
        return False
    if run.count("/") >= 2 and _entropy(run.replace("/", "")) < 4.5:
        return False
    return _entropy(run) >= _ENTROPY_THRESHOLD


def _assignment(match: re.Match[str]) -> str:
    quote = match["quote"] or ""
    return f"{match['name']}{match['sep']}{quote}{REDACTED}{quote}"


def redact(text: str) -> str:
    """`text` with key- and token-like strings replaced by `[redacted]`."""
    if not text:
        return text
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: f"{m[1]} {REDACTED}", text)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['head']}{REDACTED}", text)
    text = _ASSIGNMENT.sub(_assignment, text)
    text = _LONG_HEX.sub(REDACTED, text)
    return _LONG_B64.sub(lambda m: REDACTED if _looks_random(m[0]) else m[0], text)


def is_secret_file(path: str | PurePath) -> bool:
    """Files whose contents are never read into context (`.env`, `.env.local`, keys)."""
    name = PurePath(path).name
    return (
        name.startswith(".env")
        or name.endswith((".pem", ".key", ".p12", ".pfx"))
        or name in {"id_rsa", "id_ed25519", "id_ecdsa", ".netrc", ".pgpass", "credentials"}
    )
