"""API keys: configured ones, plus keys in the memory store that are created, listed and
revoked while servers run.

Stored keys are looked up in the database on every request (one indexed read), so a key
created with ``recpilot keys create`` works at once and a revoked one is refused on the
next request — on every server process that shares the store. Only the SHA-256 of a key is
stored; the key itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from recpilot.errors import ConfigError, UnknownId
from recpilot.memory.records import ApiKeyRow
from recpilot.memory.store import MemoryStore
from recpilot.service.access import Principal

log = logging.getLogger(__name__)

KEY_PREFIX = "rp_"


class StaticKey(BaseModel):
    """An API key given in configuration (not in the store)."""

    key: str = Field(min_length=16)
    user: str | None = None  # None: admin
    admin: bool = False


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyRing:
    def __init__(self, store: MemoryStore, static: Sequence[StaticKey] = ()) -> None:
        self.store = store
        self._static: list[tuple[str, Principal]] = [
            (
                digest(entry.key),
                Principal(
                    None if entry.admin else entry.user,
                    entry.admin or entry.user is None,
                    f"cfg{k}",
                ),
            )
            for k, entry in enumerate(static)
        ]

    def lookup(self, key: str) -> Principal | None:
        """The principal of an active key, or None (unknown or revoked)."""
        wanted = digest(key)
        for known, principal in self._static:
            if hmac.compare_digest(known, wanted):
                return principal
        row = self.store.key_by_digest(wanted)
        if row is None:
            return None
        return Principal(None if row.admin else row.user_id, row.admin, row.key_id)

    def create(self, user_id: str | None, *, admin: bool = False) -> tuple[str, ApiKeyRow]:
        """A new key (returned once, stored hashed)."""
        if admin == bool(user_id):
            raise ConfigError("a key needs exactly one of a user (--user ID) or --admin")
        key = KEY_PREFIX + secrets.token_urlsafe(24)
        row = ApiKeyRow(
            key_id="k_" + secrets.token_hex(4),
            sha256=digest(key),
            user_id=None if admin else user_id,
            admin=admin,
            created_at=time.time(),
        )
        self.store.add_key(row)
        log.info("created api key id=%s user=%s admin=%s", row.key_id, row.user_id, admin)
        return key, row

    def list(self, user_id: str | None = None) -> list[ApiKeyRow]:
        return self.store.api_keys(user_id)

    def revoke(self, key_id: str) -> ApiKeyRow:
        """Revoke a key; UnknownId when there is no such active key."""
        if not self.store.revoke_key(key_id):
            known = [r.key_id for r in self.store.api_keys() if r.active]
            raise UnknownId(
                f"no active key {key_id!r}; active keys: {', '.join(known) or '(none)'}"
            )
        log.info("revoked api key id=%s", key_id)
        return next(r for r in self.store.api_keys() if r.key_id == key_id)

    def import_file(self, path: Path) -> int:
        """Keys from an older key file (``api_keys.json``, hashes only) into the store;
        how many were new. Idempotent."""
        if not path.is_file():
            return 0
        try:
            rows = json.loads(path.read_text())["keys"]
            entries = [
                ApiKeyRow(
                    key_id=str(r.get("id") or "k_" + secrets.token_hex(4)),
                    sha256=str(r["sha256"]),
                    user_id=None if r.get("user") is None else str(r["user"]),
                    admin=bool(r.get("admin")),
                    created_at=float(r.get("created", time.time())),
                )
                for r in rows
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"API key file {path} is unreadable ({exc}); fix or delete it and create keys "
                "again with 'recpilot keys create'"
            ) from None
        known = {r.sha256 for r in self.store.api_keys()}
        new = [e for e in entries if e.sha256 not in known]
        for entry in new:
            self.store.add_key(entry)
        if new:
            log.info("imported %d api keys from %s", len(new), path)
        return len(new)
