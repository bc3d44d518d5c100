"""Server-Sent Events for the web page's streaming turns (``"stream": true`` on the REST
session endpoints).

Events, in order: ``status`` (``{"state": "working"}``, sent at once), ``meta``
(``session_id``, ``turn_id``, ``degraded``), ``delta`` (``{"text": ...}``, the reply in
pieces), ``items`` (``{"items": [cards]}``), ``trace`` (plan, steps, timings), ``done``.
A failure after the stream started arrives as ``error`` (``{"status", "message"}``).

The agent writes its reply in one piece (the LLM role has one ``request`` method), so the
reply is streamed in word-sized pieces once the turn is done; ``status`` is what the page
shows while the turn runs.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import HTTPException

from recpilot.errors import RecpilotError
from recpilot.server.schemas import TurnOutModel
from recpilot.server.work import Overloaded

log = logging.getLogger(__name__)

_PIECE = re.compile(r"\S+\s*|\s+")


def event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def pieces(text: str, words: int = 3) -> list[str]:
    parts = _PIECE.findall(text)
    return ["".join(parts[k : k + words]) for k in range(0, len(parts), words)]


async def turn_events(run: Callable[[], Awaitable[TurnOutModel]]) -> AsyncIterator[str]:
    yield event("status", {"state": "working"})
    try:
        out = await run()
    except Overloaded as exc:
        yield event("error", {"status": 429, "message": str(exc)})
        return
    except HTTPException as exc:
        yield event("error", {"status": exc.status_code, "message": str(exc.detail)})
        return
    except RecpilotError as exc:
        log.warning("streamed turn failed: %s", exc)
        yield event("error", {"status": 500, "message": str(exc)})
        return
    yield event(
        "meta", {"session_id": out.session_id, "turn_id": out.turn_id, "degraded": out.degraded}
    )
    for piece in pieces(out.reply):
        yield event("delta", {"text": piece})
    yield event("items", {"items": [c.model_dump() for c in out.items]})
    yield event(
        "trace",
        out.trace.model_dump() | {"notes": out.notes, "degraded_reasons": out.degraded_reasons},
    )
    yield event("done", {})
