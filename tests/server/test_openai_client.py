"""The OpenAI-compatible endpoint driven by the official ``openai`` client against uvicorn."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import openai
import pytest
from fastapi import FastAPI

from recpilot.agent.agent import Agent
from recpilot.server.testing import ALICE_KEY, serve_in_thread


@pytest.fixture
def base_url(make_app: Callable[..., FastAPI]) -> Iterator[str]:
    with serve_in_thread(make_app()) as base:
        yield base


def _client(base: str, key: str = ALICE_KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)


def test_models_and_plain_completion(base_url: str, agent: Agent) -> None:
    client = _client(base_url)
    assert [m.id for m in client.models.list()] == ["recpilot"]
    out = client.chat.completions.create(
        model="recpilot", messages=[{"role": "user", "content": "horror please"}]
    )
    message = out.choices[0].message
    ext = (message.model_extra or {})["recpilot"]
    assert out.choices[0].finish_reason == "stop" and ext["items"]
    titles = agent.catalog.titles()
    for card in ext["items"]:
        assert titles[card["item_id"]] == card["title"] and "Horror" in card["labels"]
        assert card["title"] in (message.content or "")  # the items are in the content too


def test_streaming_matches_the_plain_answer(base_url: str) -> None:
    client = _client(base_url)
    messages = [{"role": "user", "content": "something like the first comedy, from the 90s"}]
    plain = client.chat.completions.create(model="recpilot", messages=messages)  # type: ignore[arg-type]
    stream = client.chat.completions.create(model="recpilot", messages=messages, stream=True)  # type: ignore[arg-type]
    text, last = "", None
    for chunk in stream:
        choice = chunk.choices[0]
        text += choice.delta.content or ""
        last = choice
    assert text == plain.choices[0].message.content
    assert last is not None and last.finish_reason == "stop"
    streamed = (last.model_extra or {})["recpilot"]["items"]
    assert [c["item_id"] for c in streamed] == [
        c["item_id"] for c in (plain.choices[0].message.model_extra or {})["recpilot"]["items"]
    ]


def test_conversation_is_the_messages_array(base_url: str) -> None:
    client = _client(base_url)
    first = client.chat.completions.create(
        model="recpilot", messages=[{"role": "user", "content": "drama please"}]
    )
    items = (first.choices[0].message.model_extra or {})["recpilot"]["items"]
    follow = client.chat.completions.create(
        model="recpilot",
        messages=[
            {"role": "user", "content": "drama please"},
            {"role": "assistant", "content": first.choices[0].message.content or ""},
            {"role": "user", "content": "more like the first one"},
        ],
    )
    again = (follow.choices[0].message.model_extra or {})["recpilot"]["items"]
    assert again and items[0]["item_id"] not in [c["item_id"] for c in again]
    assert any(f"similar to {items[0]['title']}" in c["reason"] for c in again)


def test_openai_errors_are_typed(base_url: str) -> None:
    with pytest.raises(openai.AuthenticationError):
        _client(base_url, "wrong-key-000000000000").models.list()
    with pytest.raises(openai.NotFoundError):
        _client(base_url).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )
    with pytest.raises(openai.UnprocessableEntityError):
        _client(base_url).chat.completions.create(
            model="recpilot", messages=[{"role": "system", "content": "only system"}]
        )
