"""LLM backends behind one method (:meth:`LLM.request`), resolved from spec strings in one
place (:func:`resolve_llm`): ``rules`` (no LLM), ``local[:MODEL|:PATH]`` (embedded llama.cpp),
``openai:MODEL`` (any OpenAI-compatible server), ``scripted`` (the test fake)."""

from recpilot.llm.base import LLM, LLMRequest, LLMResponse, Message
from recpilot.llm.json_output import LLMOutputError, parse_json, validate_against
from recpilot.llm.scripted import FunctionLLM, ScriptedLLM
from recpilot.llm.spec import resolve_llm

__all__ = [
    "LLM",
    "FunctionLLM",
    "LLMOutputError",
    "LLMRequest",
    "LLMResponse",
    "Message",
    "ScriptedLLM",
    "parse_json",
    "resolve_llm",
    "validate_against",
]
