"""The embedded backend: a GGUF model run in-process by llama-cpp-python.

* The model loads lazily, once per :class:`LocalLLM`, on the first request; a lock makes
  the object safe to share between threads (requests are serialised: one llama.cpp context).
* Chat prompts are rendered with the GGUF's own chat template (llama-cpp-python picks it
  from the ``tokenizer.chat_template`` metadata).
* ``json_schema`` becomes a llama.cpp grammar via ``LlamaGrammar.from_json_schema`` — the
  same converter ``response_format={"type": "json_object", "schema": ...}`` uses, but called
  here directly because that path *silently* falls back to "any JSON" when the converter
  rejects a schema; we log a warning instead. The converter (llama-cpp-python 0.3.x,
  ``llama_grammar.SchemaConverter``) supports ``type``, ``properties``/``required``
  (required keys in declared order, optional keys after), ``additionalProperties``,
  ``enum``, ``const``, ``anyOf``/``oneOf``, ``allOf`` of objects, local ``$ref``/``$defs``,
  arrays with ``items``/``prefixItems`` and ``minItems``/``maxItems``, strings with
  ``minLength``/``maxLength``, ``pattern`` (``^...$``) and some ``format``\\s. It does **not**
  enforce ``minimum``/``maximum`` on numbers, ``uniqueItems``, ``not``, or
  ``if``/``then``; validate the output with :func:`recpilot.llm.json_output.validate_against`.
* Prompt prefix caching: llama.cpp keeps the KV cache of the last prompt and re-evaluates
  only the tokens after the longest shared prefix, so a static system prompt is evaluated
  once across consecutive calls. With ``prompt_cache_bytes > 0`` a ``LlamaRAMCache`` also
  keeps the states of earlier prompts, so alternating prompts (planner, responder, planner)
  each find their own prefix again. It is off by default: llama-cpp-python 0.3 copies the
  logits buffer (~300 MB for these vocabularies) into every cached state without counting it
  against the capacity, so a long run grew past 10 GB. The agent instead gives planning and
  replies one ``LocalLLM`` each (the weights are memory-mapped, so shared), and each keeps
  its own prefix. :attr:`LocalLLM.last_stats` reports how many prompt tokens were actually
  evaluated, which is how the tests and ``bench/llm_latency.py`` check it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recpilot.errors import LLMUnavailable
from recpilot.llm.base import LLM, LLMRequest, LLMResponse
from recpilot.llm.weights import DEFAULT_MODEL, EMBEDDED_MODELS, ensure_weights

logger = logging.getLogger(__name__)

# Serialises the scoped patch of llama_cpp's default model params in _load_llama (a lock, not
# data: it guards a third-party global for the duration of one model load).
_LOAD_LOCK = threading.Lock()

INSTALL_LLAMA = "pip install 'recpilot[llm]'  (builds llama-cpp-python==0.3.36 from source, ~8 min)"


@dataclass
class CallStats:
    """llama.cpp's own counters for one request (deltas of ``llama_perf_context``)."""

    prompt_eval_tokens: int = 0
    prompt_eval_ms: float = 0.0
    eval_tokens: int = 0
    eval_ms: float = 0.0


class LocalLLM(LLM):
    """An embedded GGUF model. ``model`` is an embedded model key (see
    :data:`recpilot.llm.weights.EMBEDDED_MODELS`) or a path to a ``.gguf`` file.

    A request's ``timeout_s`` is not enforced inside a call: the non-streaming call, which
    reports token usage, cannot be stopped from Python (llama-cpp-python 0.3 runs logits
    processors as C callbacks and swallows their exceptions), so a call runs to
    ``max_tokens`` (320 for a plan). The turn's deadline holds
    between calls (:mod:`recpilot.llm.deadline`): once spent, no further call is made."""

    turn_deadline_s = 60.0  # a 2-core CPU: see recpilot.llm.deadline

    def __init__(
        self,
        model: str | Path = DEFAULT_MODEL,
        *,
        n_ctx: int = 4096,
        n_threads: int = 2,
        seed: int = 0,
        prompt_cache_bytes: int = 0,
        weights_dir: Path | None = None,
        use_extra_bufts: bool | None = None,
    ) -> None:
        self.model = model
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.seed = seed
        self.prompt_cache_bytes = prompt_cache_bytes
        self.weights_dir = weights_dir
        self.use_extra_bufts = use_extra_bufts
        self.name = (
            f"local:{model}"
            if isinstance(model, str) and model in EMBEDDED_MODELS
            else (f"local:{Path(model).name}")
        )
        self.last_stats = CallStats()
        self._lock = threading.Lock()
        self._llama: Any = None
        self._grammars: dict[str, Any] = {}

    # -- loading ---------------------------------------------------------------------
    def model_path(self) -> Path:
        """The GGUF to load: assembled (and verified) for an embedded key, as given otherwise."""
        if isinstance(self.model, str) and self.model in EMBEDDED_MODELS:
            return ensure_weights(self.model, cache_dir=self.weights_dir)
        path = Path(self.model).expanduser()
        if not path.is_file():
            raise LLMUnavailable(
                f"model file {path} does not exist; pass an existing .gguf path or one of "
                + ", ".join(f"local:{key}" for key in EMBEDDED_MODELS)
            )
        return path

    def load(self) -> None:
        """Load the model now (otherwise the first request does). Idempotent."""
        with self._lock:
            self._ensure_loaded()

    def _ensure_loaded(self) -> Any:
        if self._llama is not None:
            return self._llama
        try:
            import llama_cpp
        except ImportError as exc:
            raise LLMUnavailable(
                f"llama-cpp-python is not installed; install it with: {INSTALL_LLAMA}"
            ) from exc
        path = self.model_path()
        started = time.perf_counter()
        extra = self.use_extra_bufts if self.use_extra_bufts is not None else not _cpu_has_amx()
        try:
            llama = _load_llama(
                llama_cpp,
                use_extra_bufts=extra,
                model_path=str(path),
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                seed=self.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise LLMUnavailable(f"llama.cpp could not load {path}: {exc}") from exc
        if self.prompt_cache_bytes > 0:
            llama.set_cache(llama_cpp.LlamaRAMCache(capacity_bytes=self.prompt_cache_bytes))
        logger.info(
            "loaded model=%s path=%s ms=%.0f chat_format=%s extra_bufts=%s",
            self.name,
            path,
            (time.perf_counter() - started) * 1000,
            llama.chat_format,
            extra,
        )
        self._llama = llama
        return llama

    def _grammar(self, schema: dict[str, Any]) -> Any:
        from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar, json_schema_to_gbnf

        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            try:
                gbnf = json_schema_to_gbnf(json.dumps(schema))
            except Exception as exc:  # the converter signals unsupported schemas with asserts
                logger.warning(
                    "schema not convertible to a grammar, constraining to plain JSON error=%s",
                    exc,
                )
                gbnf = JSON_GBNF
            self._grammars[key] = LlamaGrammar.from_string(gbnf, verbose=False)
        return self._grammars[key]

    # -- the role --------------------------------------------------------------------
    def request(self, req: LLMRequest) -> LLMResponse:
        with self._lock:
            llama = self._ensure_loaded()
            grammar = self._grammar(req.json_schema) if req.json_schema is not None else None
            before = self._perf(llama)
            started = time.perf_counter()
            try:
                out = llama.create_chat_completion(
                    messages=[m.model_dump() for m in req.messages],
                    temperature=req.temperature,
                    max_tokens=req.max_tokens,
                    stop=list(req.stop) or None,
                    grammar=grammar,
                    seed=self.seed,
                )
            except ValueError as exc:  # e.g. "Requested tokens exceed context window"
                raise LLMUnavailable(f"{self.name} could not answer: {exc}") from exc
            ms = (time.perf_counter() - started) * 1000.0
            self.last_stats = self._delta(before, self._perf(llama))
        usage = out.get("usage") or {}
        text = out["choices"][0]["message"].get("content") or ""
        return LLMResponse(
            text=text,
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            ms=ms,
            model=self.name,
        )

    @staticmethod
    def _perf(llama: Any) -> CallStats:
        try:
            import llama_cpp

            data = llama_cpp.llama_perf_context(llama._ctx.ctx)
        except (AttributeError, ImportError, TypeError):  # private API: best effort
            return CallStats()
        return CallStats(
            prompt_eval_tokens=int(data.n_p_eval),
            prompt_eval_ms=float(data.t_p_eval_ms),
            eval_tokens=int(data.n_eval),
            eval_ms=float(data.t_eval_ms),
        )

    @staticmethod
    def _delta(before: CallStats, after: CallStats) -> CallStats:
        return CallStats(
            prompt_eval_tokens=after.prompt_eval_tokens - before.prompt_eval_tokens,
            prompt_eval_ms=after.prompt_eval_ms - before.prompt_eval_ms,
            eval_tokens=after.eval_tokens - before.eval_tokens,
            eval_ms=after.eval_ms - before.eval_ms,
        )

    def close(self) -> None:
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None
            self._grammars.clear()


def _cpu_has_amx() -> bool:
    """Whether this CPU advertises Intel AMX. llama-cpp-python 0.3.36 built natively on such a
    CPU (as here: Sapphire Rapids under Firecracker) segfaults in ``ggml_backend_amx_mul_mat``
    on the first multi-token batch; loading without the extra (AMX/repack) weight buffers
    avoids that code path."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return "amx_int8" in line.split()
    except OSError:
        return False
    return False


def _load_llama(llama_cpp: Any, *, use_extra_bufts: bool, **kwargs: Any) -> Any:
    """``llama_cpp.Llama(**kwargs)``, optionally with ``use_extra_bufts=False``.

    ``Llama.__init__`` offers no parameter for that field of ``llama_model_params``, so the
    default-params factory is wrapped for the duration of this one load (under a lock).
    """
    if use_extra_bufts:
        return llama_cpp.Llama(**kwargs)
    module = llama_cpp.llama_cpp
    with _LOAD_LOCK:
        original = module.llama_model_default_params

        def without_extra_bufts() -> Any:
            params = original()
            params.use_extra_bufts = False
            return params

        module.llama_model_default_params = without_extra_bufts
        try:
            return llama_cpp.Llama(**kwargs)
        finally:
            module.llama_model_default_params = original
