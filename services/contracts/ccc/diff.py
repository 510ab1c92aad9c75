"""What changed between two CCC versions: a list of changes at JSON pointers.

Lists of items that carry an identity (actions and indicators by ``id``, investment lines by
``action_id``) are compared item by item and named by that identity, so "action TR-02's
cost changed" reads as ``/investment_plan/actions/TR-02/costs``; other lists are compared
whole (their order is part of their content).
"""

from __future__ import annotations

from typing import Any

from services.contracts.ccc.schemas import Change

IDENTITY_KEYS = ("id", "action_id", "partner_id")


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _identity(before: list[Any], after: list[Any]) -> str | None:
    """The key that names every item of both lists, unique within each list, if any."""
    for key in IDENTITY_KEYS:
        if not (before or after):
            return None
        if all(isinstance(i, dict) and key in i for i in before + after) and all(
            len(items) == len({str(i[key]) for i in items}) for items in (before, after)
        ):
            return key
    return None


def diff(before: Any, after: Any, path: str = "") -> list[Change]:
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[Change] = []
        for key in list(before) + [k for k in after if k not in before]:
            sub = f"{path}/{_escape(str(key))}"
            if key not in after:
                changes.append(Change(path=sub, change="removed", before=before[key]))
            elif key not in before:
                changes.append(Change(path=sub, change="added", after=after[key]))
            else:
                changes.extend(diff(before[key], after[key], sub))
        return changes
    if isinstance(before, list) and isinstance(after, list):
        key = _identity(before, after)
        if key is not None:
            old = {str(i[key]): i for i in before}
            new = {str(i[key]): i for i in after}
            return diff(old, new, path)
    return [Change(path=path or "/", change="changed", before=before, after=after)]
