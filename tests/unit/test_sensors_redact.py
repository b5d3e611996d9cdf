"""Redaction: secrets are replaced before anything leaves the machine."""

from __future__ import annotations

import pytest

from copilot.sensors.redact import REDACTED, is_secret_file, redact

SECRETS = [
    "AKIAIOSFODNN7EXAMPLE",
    "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789",
    "sk-proj-ABCDEFGHIJKLMNOPQRSTUV123456",
    "ghp_abcdefghijklmnopqrstuvwxyzABCDEF123456",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    "xoxb-123456789012-abcdefghijkl",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A9",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_token_like_strings_are_redacted(secret: str) -> None:
    text = f"export THING={secret} # and more"
    out = redact(f"value {secret} end\n{text}")
    assert secret not in out
    assert REDACTED in out


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("password=hunter2", "password="),
        ("DB_PASSWORD: 'correct horse' # db", "DB_PASSWORD: '"),
        ("api_key = abc123def", "api_key = "),
        ("GITHUB_TOKEN=whatever-it-is", "GITHUB_TOKEN="),
    ],
)
def test_secret_assignments_keep_the_name_and_hide_the_value(line: str, kept: str) -> None:
    out = redact(line)
    assert out.startswith(kept + REDACTED)
    assert "hunter2" not in out and "horse" not in out and "abc123def" not in out


def test_url_credentials_and_bearer_tokens_are_hidden() -> None:
    out = redact(
        "git clone https://me:s3cretpass@example.com/r.git; "
        "curl -H 'Authorization: Bearer abc.def.ghi123'"
    )
    assert "s3cretpass" not in out
    assert "abc.def.ghi123" not in out
    assert "https://me:[redacted]@example.com/r.git" in out


def test_private_key_blocks_are_removed_whole() -> None:
    key = (
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAA\nAAAA\n"
        "-----END OPENSSH PRIVATE KEY-----"
    )
    out = redact(f"before\n{key}\nafter")
    assert "b3BlbnNz" not in out
    assert out == f"before\n{REDACTED}\nafter"


@pytest.mark.parametrize(
    "text",
    [
        "FAILED tests/unit/test_sensors_redact.py::test_ordinary_text_survives - AssertionError",
        "/usr/lib/python3/dist-packages/setuptools/command/build_py.py",
        "src/components/HeaderNavigationButton/index.tsx modified",
        "git: on `main`, 2 changed: a.py (M), b.py (?)",
        "abc1234 Fix the token refresh when the password changes",
        "the auth module and the author field",
    ],
)
def test_ordinary_text_survives(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_idempotent() -> None:
    once = redact("password=hunter2 and sk-ant-api03-abcdefghijklmnopqrstuvwxyz")
    assert redact(once) == once


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        (".env", True),
        (".env.local", True),
        ("config/.env.production", True),
        ("id_rsa", True),
        ("server.pem", True),
        ("env.py", False),
        ("README.md", False),
    ],
)
def test_secret_files_are_recognised(name: str, secret: bool) -> None:
    assert is_secret_file(name) is secret
