"""API keys bound to a user or to the admin role, and the one authorisation rule.

Keys live hashed (SHA-256) in a JSON file under the data home (``recpilot keys create``) or
come from configuration. A user key may act only on its own user; an admin key on anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from recpilot.errors import ConfigError
from recpilot.server.settings import StaticKey

log = logging.getLogger(__name__)

KEY_PREFIX = "rp_"


@dataclass(frozen=True)
class Principal:
    """Who is calling. ``user_id`` is None only for admin keys."""

    user_id: str | None
    admin: bool = False
    key_id: str = ""

    def may_act_for(self, user_id: str | None) -> bool:
        return self.admin or (user_id is not None and user_id == self.user_id)


class Forbidden(Exception):
    """The caller's key is not allowed to touch that user's data (HTTP 403)."""


class Unauthenticated(Exception):
    """No key, or an unknown key (HTTP 401)."""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyStore:
    """Keys from the key file plus configured keys; looked up by hash."""

    def __init__(self, path: Path, static: list[StaticKey] | None = None) -> None:
        self.path = path
        self._by_digest: dict[str, Principal] = {}
        for k, entry in enumerate(static or []):
            self._by_digest[_digest(entry.key)] = Principal(
                None if entry.admin else entry.user, entry.admin or entry.user is None, f"cfg{k}"
            )
        for row in self._read():
            user = row.get("user")
            self._by_digest[str(row["sha256"])] = Principal(
                None if user is None else str(user), bool(row.get("admin")), str(row.get("id", ""))
            )

    def _read(self) -> list[dict[str, object]]:
        if not self.path.is_file():
            return []
        try:
            rows = json.loads(self.path.read_text())["keys"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"API key file {self.path} is unreadable ({exc}); fix or delete it and "
                "create keys again with 'recpilot keys create'"
            ) from None
        return list(rows)

    def lookup(self, key: str) -> Principal | None:
        digest = _digest(key)
        for known, principal in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return principal
        return None

    def __len__(self) -> int:
        return len(self._by_digest)

    def create(self, user_id: str | None, *, admin: bool = False) -> tuple[str, Principal]:
        """A new key (returned once, stored hashed)."""
        if not admin and not user_id:
            raise ConfigError("a key needs a user (--user ID) or the admin role (--admin)")
        key = KEY_PREFIX + secrets.token_urlsafe(24)
        key_id = "k_" + secrets.token_hex(4)
        rows = self._read()
        rows.append(
            {
                "id": key_id,
                "sha256": _digest(key),
                "user": None if admin else user_id,
                "admin": admin,
                "created": int(time.time()),
            }
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"keys": rows}, indent=2))
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)
        principal = Principal(None if admin else user_id, admin, key_id)
        self._by_digest[_digest(key)] = principal
        log.info("created api key id=%s user=%s admin=%s", key_id, user_id, admin)
        return key, principal


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate(
    keys: KeyStore, authorization: str | None, x_api_key: str | None, anonymous: Principal | None
) -> Principal:
    key = bearer(authorization) or (x_api_key or None)
    if key is None:
        if anonymous is not None:
            return anonymous
        raise Unauthenticated(
            "missing API key: send 'Authorization: Bearer <key>' (create one with "
            "'recpilot keys create --user ID')"
        )
    principal = keys.lookup(key)
    if principal is None:
        raise Unauthenticated("unknown API key")
    return principal


def act_for(principal: Principal, user_id: str | None) -> str:
    """The user a request acts on: the named one if allowed, else the key's own user."""
    target = user_id or principal.user_id
    if target is None:
        raise ValueError("admin keys must name the user (user_id) a request acts for")
    if not principal.may_act_for(target):
        raise Forbidden(f"this key belongs to user {principal.user_id!r}, not {target!r}")
    return target
