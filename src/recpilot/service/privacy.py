"""What the service tells a user about their own data, and how they remove it: stated
preferences (list, remove one), export and delete. These need only the store, so the
``recpilot user`` commands answer without loading a catalog or models; the conversation
service delegates here."""

from __future__ import annotations

import logging
from typing import Any

from recpilot.errors import UnknownId
from recpilot.memory.profile import Expectation
from recpilot.memory.store import MemoryStore

log = logging.getLogger(__name__)


def preference_view(e: Expectation) -> dict[str, Any]:
    """A stated preference as shown to its user (export, REST, MCP, CLI)."""
    return {
        "id": e.id,
        "kind": e.kind,
        "attribute": e.attribute,
        "value": e.value,
        "minimum": e.minimum,
        "maximum": e.maximum,
        "text": e.describe(),
        "stated": e.stated,
        "at": e.at,
    }


def preferences(store: MemoryStore, user_id: str) -> list[Expectation]:
    """The user's stated preferences (exclusions, limits, wishes), oldest first."""
    return store.profile(user_id).stated


def forget(store: MemoryStore, user_id: str, preference_id: str) -> Expectation:
    """Remove one stated preference; it stops applying on the next request, everywhere."""
    with store.transaction():
        profile = store.profile(user_id)
        removed = profile.forget(preference_id)
        if removed is None:
            known = ", ".join(f"{e.id} ({e.describe()})" for e in profile.stated)
            raise UnknownId(
                f"user {user_id!r} has no stated preference {preference_id!r}; "
                f"theirs: {known or '(none)'}"
            )
        store.save_profile(profile)
    log.info("forgot preference user=%s id=%s", user_id, preference_id)
    return removed


def export_user(store: MemoryStore, user_id: str) -> dict[str, Any]:
    """Every stored fact about the user, table by table, and their stated preferences."""
    out = store.export_user(user_id)
    out["preferences"] = [preference_view(e) for e in preferences(store, user_id)]
    return out


def delete_user(store: MemoryStore, user_id: str) -> dict[str, int]:
    """Remove the user from every table (profile, stated preferences and keys included)."""
    return store.delete_user(user_id)
