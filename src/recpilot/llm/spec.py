"""The one place an LLM spec string becomes a backend.

==============================  =================================================================
``rules``                       ``None``: the agent's deterministic no-LLM brain
``local``                       embedded Qwen2.5-Coder-1.5B (the default embedded model)
``local:qwen2.5-coder-0.5b``    embedded Qwen2.5-Coder-0.5B (extra ``models-small``)
``local:qwen2.5-coder-1.5b``    embedded Qwen2.5-Coder-1.5B (extra ``models-default``)
``local:/path/to/model.gguf``   any GGUF file with a chat template
``openai:MODEL``                an OpenAI-compatible server; base URL and key from
                                ``RECPILOT_LLM_BASE_URL`` / ``RECPILOT_LLM_API_KEY``, falling back
                                to ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``; its circuit
                                breaker from ``RECPILOT_LLM_BREAKER_FAILURES`` (default 3)
                                and ``RECPILOT_LLM_BREAKER_COOLDOWN_S`` (default 30)
``scripted``                    :class:`~recpilot.llm.scripted.ScriptedLLM` (tests)
==============================  =================================================================

Resolution is cheap: nothing is loaded or contacted until the first request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from recpilot.errors import ConfigError
from recpilot.llm.base import LLM
from recpilot.llm.breaker import BreakerSettings
from recpilot.llm.scripted import ScriptedLLM
from recpilot.llm.weights import DEFAULT_MODEL, EMBEDDED_MODELS

ENV_BASE_URL = "RECPILOT_LLM_BASE_URL"
ENV_API_KEY = "RECPILOT_LLM_API_KEY"
ENV_BREAKER_FAILURES = "RECPILOT_LLM_BREAKER_FAILURES"
ENV_BREAKER_COOLDOWN = "RECPILOT_LLM_BREAKER_COOLDOWN_S"
FALLBACK_BASE_URL = "OPENAI_BASE_URL"
FALLBACK_API_KEY = "OPENAI_API_KEY"


def valid_forms() -> list[str]:
    """Every accepted spec form, for help texts and error messages."""
    return [
        "rules",
        "local",
        *(f"local:{key}" for key in EMBEDDED_MODELS),
        "local:/path/to/model.gguf",
        "openai:MODEL",
        "scripted",
    ]


def _env(primary: str, fallback: str, environ: Mapping[str, str]) -> str | None:
    return environ.get(primary) or environ.get(fallback) or None


def breaker_settings(environ: Mapping[str, str]) -> BreakerSettings:
    """The remote backends' circuit breaker, from the environment (defaults otherwise)."""
    defaults = BreakerSettings()
    failures = environ.get(ENV_BREAKER_FAILURES) or str(defaults.failures)
    cooldown = environ.get(ENV_BREAKER_COOLDOWN) or str(defaults.cooldown_s)
    try:
        return BreakerSettings(failures=int(failures), cooldown_s=float(cooldown))
    except ValueError as exc:
        raise ConfigError(
            f"{ENV_BREAKER_FAILURES} must be a whole number >= 1 and {ENV_BREAKER_COOLDOWN} "
            f"seconds >= 0 (got {failures!r} and {cooldown!r}): {exc}"
        ) from None


def is_embedded(spec: str) -> bool:
    """Whether ``spec`` names the embedded llama.cpp backend (one call at a time)."""
    return spec.strip().partition(":")[0].lower() == "local"


def resolve_llm(
    spec: str, *, timeout_s: float = 60.0, environ: Mapping[str, str] | None = None
) -> LLM | None:
    """The backend named by ``spec`` (``None`` for ``rules``). Raises
    :class:`~recpilot.errors.ConfigError` for a spec that matches no form."""
    env = os.environ if environ is None else environ
    text = spec.strip()
    kind, sep, arg = text.partition(":")
    kind = kind.lower()
    if text.lower() == "rules":
        return None
    if text.lower() == "scripted":
        return ScriptedLLM()
    if kind == "local":
        from recpilot.llm.local import LocalLLM

        if not sep:
            return LocalLLM(DEFAULT_MODEL)
        if arg.lower() in EMBEDDED_MODELS:
            return LocalLLM(arg.lower())
        if arg.lower().endswith(".gguf"):
            return LocalLLM(os.path.expanduser(arg))
    if kind == "openai" and arg.strip():
        from recpilot.llm.openai_compat import OpenAICompatLLM

        return OpenAICompatLLM(
            arg.strip(),
            base_url=_env(ENV_BASE_URL, FALLBACK_BASE_URL, env),
            api_key=_env(ENV_API_KEY, FALLBACK_API_KEY, env),
            timeout_s=timeout_s,
            breaker=breaker_settings(env),
        )
    raise ConfigError(f"unknown LLM spec {spec!r}; valid forms: {', '.join(valid_forms())}")
