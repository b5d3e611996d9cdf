"""How gate records read for a person: one line each, for `copilot audit` and `/audit`."""

from __future__ import annotations

import time
from typing import Any


def format_audit(records: list[dict[str, Any]]) -> list[str]:
    """One line per gate record: when, request or decision, the verdict and who made it."""
    lines = []
    for record in records:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.get("ts", 0)))
        what = " ".join(str(record.get("summary", "")).split())[:120]
        verdict = record.get("outcome") or record.get("verdict", "")
        who = record.get("answer") or record.get("source") or record.get("rule") or ""
        scope = (
            f" scope={','.join(record['scope'])}"
            if record.get("scope") and record.get("answer") == "scope"
            else ""
        )
        reason = f" ({record['answer_reason']})" if record.get("answer_reason") else ""
        lines.append(
            f"{when} {str(record.get('session_id', ''))[:8]} {record.get('event', ''):<8} "
            f"{record.get('tool', ''):<10} {verdict:<7} {who:<8} {what}{scope}{reason}"
        )
    return lines
