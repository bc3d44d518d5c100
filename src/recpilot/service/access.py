"""Who is calling and whose data they may touch: one authorisation rule for every
interface (REST, the OpenAI endpoint, MCP over HTTP and stdio).

A user key acts only for its own user; an admin key acts for anyone, naming the user.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    """No key, or an unknown or revoked key (HTTP 401)."""


def act_for(principal: Principal, user_id: str | None) -> str:
    """The user a request acts on: the named one if allowed, else the key's own user."""
    target = user_id or principal.user_id
    if target is None:
        raise ValueError("admin keys must name the user (user_id) a request acts for")
    if not principal.may_act_for(target):
        raise Forbidden(f"this key belongs to user {principal.user_id!r}, not {target!r}")
    return target
