"""The server's one validated config object (``ServerSettings``), from arguments or the
environment (``RECPILOT_SERVER_*``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from recpilot.catalog.datasets import DEFAULT_DATASET
from recpilot.config import data_home
from recpilot.errors import ConfigError
from recpilot.service.keys import StaticKey

__all__ = ["ServerSettings", "StaticKey", "parse_keys", "settings_from_env"]

ENV_KEYS = "RECPILOT_API_KEYS"
ENV_ANONYMOUS = "RECPILOT_ALLOW_ANONYMOUS"
# Seconds the server keeps an idle keep-alive connection open (uvicorn's timeout_keep_alive,
# whose own default is 5 s). A connection must be given up by the client first: when the
# server closes one just as the client reuses it, the request is reset after it was sent,
# and the client cannot tell whether it was handled. So this is above the idle expiry of
# common client pools (httpx 5 s, aiohttp 15 s) and of proxies' upstream pools (nginx 60 s,
# AWS ALB 60 s). docs/serving.md, "Several processes".
KEEP_ALIVE_S = 75
# Seconds a worker process of 'recpilot serve --workers N' may take to answer the parent's
# health check before the parent kills and replaces it (uvicorn's timeout_worker_healthcheck,
# whose own default is 5 s). A worker busy on a loaded machine answers late; killing it resets
# every request it holds, so only a worker silent this long counts as hung.
WORKER_HEALTHCHECK_S = 60


class ServerSettings(BaseModel):
    dataset: str = DEFAULT_DATASET
    llm: str = "rules"
    # Seconds a turn's LLM calls may take together; None: the backend's default.
    llm_deadline_s: float | None = Field(None, gt=0)
    embedder: Literal["minilm", "hashing"] = "minilm"
    # Pictures in chat requests: an OpenAI-compatible vision model (openai:MODEL); None: images
    # are refused with 400 unsupported_content (recpilot.llm.vision).
    vision_llm: str | None = None
    # The memory store (sessions, profiles, keys): None for $RECPILOT_DATABASE_URL or the
    # SQLite file under the data home.
    memory_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    allow_anonymous: bool = False  # local use only: requests without a key act as anonymous_user
    anonymous_user: str = "local"
    api_keys: list[StaticKey] = Field(default_factory=list)
    # A key file of an older version (<data home>/api_keys.json): imported into the store.
    keys_file: Path | None = None
    threads: int = Field(2, ge=1, le=64)  # threads running turns (1 for an embedded LLM)
    queue_size: int = Field(32, ge=0, le=10_000)  # turns that may wait for a worker
    retry_after_s: int = Field(2, ge=1)
    max_message_chars: int = Field(2000, ge=1)
    max_messages: int = Field(50, ge=1)  # chat completions: messages per request
    max_body_bytes: int = Field(64_000, ge=256)
    max_header_bytes: int = Field(16_384, ge=1024)  # all request headers together (431)
    # Per API key (or client address without a key), per server process; 0 = no limit (429).
    rate_limit_per_min: int = Field(600, ge=0)
    max_items: int = Field(20, ge=1, le=20)  # n / limit on recommend, similar, search
    mcp_http: bool = True  # mount MCP streamable HTTP at /mcp

    def key_path(self) -> Path:
        return self.keys_file or data_home() / "api_keys.json"


def parse_keys(text: str) -> list[StaticKey]:
    """``KEY:USER`` pairs separated by commas; ``KEY:*`` is an admin key."""
    keys = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, user = part.partition(":")
        if not sep or not user:
            raise ConfigError(
                f"{ENV_KEYS} entry {part[:6]!r}... is not KEY:USER; write e.g. "
                f"'{ENV_KEYS}=rp_longsecret:alice,rp_othersecret:*' (* = admin)"
            )
        try:
            keys.append(StaticKey(key=key, user=None if user == "*" else user, admin=user == "*"))
        except ValueError:
            raise ConfigError(f"{ENV_KEYS}: keys must be at least 16 characters") from None
    return keys


def settings_from_env(
    environ: Mapping[str, str] | None = None, **overrides: object
) -> ServerSettings:
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    if env.get(ENV_KEYS):
        values["api_keys"] = parse_keys(env[ENV_KEYS])
    if env.get(ENV_ANONYMOUS, "").lower() in ("1", "true", "yes"):
        values["allow_anonymous"] = True
    values.update({k: v for k, v in overrides.items() if v is not None})
    return ServerSettings.model_validate(values)
