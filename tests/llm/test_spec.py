from __future__ import annotations

from pathlib import Path

import pytest

from recpilot.errors import ConfigError, LLMUnavailable
from recpilot.llm import ScriptedLLM, resolve_llm
from recpilot.llm.local import LocalLLM
from recpilot.llm.openai_compat import OpenAICompatLLM
from recpilot.llm.spec import is_embedded
from recpilot.llm.weights import EMBEDDED_MODELS


def test_rules_is_no_llm() -> None:
    assert resolve_llm("rules") is None
    assert resolve_llm(" RULES ") is None


def test_scripted() -> None:
    assert isinstance(resolve_llm("scripted"), ScriptedLLM)


def test_local_default_is_the_1_5b() -> None:
    llm = resolve_llm("local")
    assert isinstance(llm, LocalLLM)
    assert llm.model == "qwen2.5-coder-1.5b"


@pytest.mark.parametrize("key", sorted(EMBEDDED_MODELS))
def test_local_named_models(key: str) -> None:
    llm = resolve_llm(f"local:{key}")
    assert isinstance(llm, LocalLLM)
    assert llm.model == key and llm.name == f"local:{key}"


def test_local_path_resolves_lazily_and_fails_on_request(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    llm = resolve_llm(f"local:{missing}")
    assert isinstance(llm, LocalLLM)
    assert llm.model == str(missing)
    with pytest.raises(LLMUnavailable, match="does not exist"):
        llm.model_path()


def test_openai_uses_recpilot_env_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECPILOT_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://example.invalid/v1")
    llm = resolve_llm("openai:gpt-4o-mini", timeout_s=3.5)
    assert isinstance(llm, OpenAICompatLLM)
    assert (llm.model, llm.base_url, llm.timeout_s) == ("gpt-4o-mini", "http://127.0.0.1:9/v1", 3.5)
    assert llm.name == "openai:gpt-4o-mini"


def test_openai_falls_back_to_openai_env() -> None:
    llm = resolve_llm(
        "openai:qwen2.5:1.5b",  # Ollama-style model names contain ':'
        environ={"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "OPENAI_API_KEY": "k"},
    )
    assert isinstance(llm, OpenAICompatLLM)
    assert (llm.model, llm.base_url) == ("qwen2.5:1.5b", "http://127.0.0.1:11434/v1")


@pytest.mark.parametrize(
    "spec", ["", "gpt-4", "openai:", "openai", "local:qwen-7b", "local:model.bin", "rulez", "test"]
)
def test_bad_specs_list_valid_forms(spec: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_llm(spec)
    message = str(info.value)
    for form in ("rules", "local:qwen2.5-coder-0.5b", "local:/path/to/model.gguf", "openai:MODEL"):
        assert form in message


def test_is_embedded_names_only_the_local_backend() -> None:
    assert is_embedded("local") and is_embedded(" Local:qwen2.5-coder-0.5b ")
    assert not is_embedded("rules") and not is_embedded("openai:local-model")
