from __future__ import annotations

import pytest

from recpilot.errors import LLMUnavailable
from recpilot.llm import FunctionLLM, LLMRequest, Message, ScriptedLLM


def _req(text: str) -> LLMRequest:
    return LLMRequest(
        messages=[Message(role="system", content="be brief"), Message(role="user", content=text)]
    )


def test_replies_in_order_and_records_requests() -> None:
    llm = ScriptedLLM("first reply", "second")
    llm.enqueue("third one here")
    texts = [llm.request(_req(q)).text for q in ("a", "b", "c")]
    assert texts == ["first reply", "second", "third one here"]
    assert [r.messages[-1].content for r in llm.requests] == ["a", "b", "c"]
    assert llm.pending == 0


def test_token_counts_by_whitespace() -> None:
    llm = ScriptedLLM("three word reply")
    resp = llm.request(_req("two words"))
    # prompt: "be brief" (2) + "two words" (2)
    assert (resp.prompt_tokens, resp.completion_tokens) == (4, 3)
    assert resp.model == "scripted"


def test_empty_queue_is_unavailable() -> None:
    llm = ScriptedLLM()
    with pytest.raises(LLMUnavailable, match="no reply queued"):
        llm.request(_req("x"))
    assert len(llm.requests) == 1


def test_enqueued_errors_fire_in_position() -> None:
    llm = ScriptedLLM("ok")
    llm.enqueue_error("endpoint down")
    llm.enqueue_error(TimeoutError("custom"))
    llm.enqueue("back")
    assert llm.request(_req("1")).text == "ok"
    with pytest.raises(LLMUnavailable, match="endpoint down"):
        llm.request(_req("2"))
    with pytest.raises(TimeoutError):
        llm.request(_req("3"))
    assert llm.request(_req("4")).text == "back"


def test_function_llm_sees_the_request() -> None:
    llm = FunctionLLM(lambda req: req.messages[-1].content.upper(), name="upper")
    assert llm.request(_req("shout")).text == "SHOUT"
    assert llm.name == "upper" and len(llm.requests) == 1


def test_function_llm_propagates_unavailable() -> None:
    def dead(req: LLMRequest) -> str:
        raise LLMUnavailable("gone")

    with pytest.raises(LLMUnavailable, match="gone"):
        FunctionLLM(dead).request(_req("x"))
