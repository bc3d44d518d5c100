"""The bad-input corpus (``recpilot.testing.badinput``): every case gets a clear error or a
correct answer, never a traceback, and a failed ingest leaves the previous catalog as it
was (same bytes, still opens) with no half-written file beside it.

Ingest cases run in-process, and a dozen of them again through the real ``recpilot data
ingest`` process; HTTP, MCP and chat cases run against a real uvicorn server on loopback.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client.streamable_http import streamable_http_client

from mcp import Client
from recpilot.agent.agent import Agent
from recpilot.catalog import Catalog, Mapping, ingest_files
from recpilot.errors import IngestError
from recpilot.server import ServerSettings, create_app
from recpilot.server.testing import ADMIN_KEY, ALICE_KEY, serve_in_thread
from recpilot.server.testing import test_keys as configured_keys
from recpilot.testing.badinput import (
    ChatCase,
    HttpCase,
    IngestCase,
    McpCase,
    all_cases,
    chat_cases,
    http_cases,
    ingest_cases,
    mcp_cases,
    write_case,
)
from recpilot.testing.badinput.ingest import INTER, ITEMS
from serving_fixtures import agent, serve_home

__all__ = ["agent", "serve_home"]

INGEST = ingest_cases()
CLI = [sys.executable, "-c", "from recpilot.cli import main; main()"]
KEYS = {"user": ALICE_KEY, "admin": ADMIN_KEY}


def test_the_corpus_is_large_and_names_are_unique() -> None:
    cases = all_cases()
    names = [f"{c.surface}:{c.name}" for c in cases]
    assert len(set(names)) == len(names)
    assert len(cases) >= 150
    assert {c.family for c in INGEST} == {
        "encoding", "types", "duplicates", "ragged", "huge", "formula", "empty", "mapping",
        "binary", "schema",
    }  # fmt: skip


# ----------------------------------------------------------------------------- ingest


@dataclass
class Baseline:
    """A good catalog that every failing ingest targets."""

    path: Path
    digest: str
    titles: dict[str, str] = field(default_factory=dict)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    folder = tmp_path_factory.mktemp("catalogs")
    files = write_case(IngestCase("good", "good", ITEMS.encode(), INTER.encode()), folder / "in")
    target = folder / "out" / "current.duckdb"
    ingest_files(target, name="current", items=files.items, interactions=files.interactions)
    with Catalog.open(target) as catalog:
        titles = catalog.titles()
    return Baseline(target, _digest(target), titles)


def _run_in_process(case: IngestCase, folder: Path, target: Path) -> IngestError | None:
    files = write_case(case, folder)
    try:
        mapping = Mapping.from_toml(files.mapping) if files.mapping else None
        ingest_files(
            target, name=target.stem, items=files.items, interactions=files.interactions,
            users=files.users, fmt=case.fmt, mapping=mapping,
        )  # fmt: skip
    except IngestError as exc:
        return exc
    return None


@pytest.mark.parametrize("case", INGEST, ids=[c.name for c in INGEST])
def test_ingest_case(case: IngestCase, baseline: Baseline, tmp_path: Path) -> None:
    if case.error is None:
        target = tmp_path / "ok.duckdb"
        assert _run_in_process(case, tmp_path / "in", target) is None
        with Catalog.open(target) as catalog:
            titles = catalog.titles()
        for item_id, title in case.stored:
            assert titles.get(item_id) == title, f"{item_id!r} not stored verbatim"
        return
    error = _run_in_process(case, tmp_path / "in", baseline.path)
    assert error is not None, "bad input was accepted"
    message = str(error)
    assert case.error in message and "\n" not in message
    assert _digest(baseline.path) == baseline.digest, "the previous catalog changed"
    assert [p.name for p in baseline.path.parent.iterdir()] == [baseline.path.name]
    with Catalog.open(baseline.path) as catalog:
        assert catalog.titles() == baseline.titles


CLI_CASES = [
    "latin1_items", "utf16_le_bom", "utf16_le_no_bom", "bare_cr_line_ends", "field_200k",
    "formula_title_0", "header_only_items", "mapping_unknown_id", "mapping_empty_separator",
    "random_bytes_parquet", "parquet_struct_column", "jsonl_ids_past_2_53",
]  # fmt: skip


def test_ingest_through_the_real_cli(baseline: Baseline, tmp_path: Path) -> None:
    """A dozen cases through ``recpilot data ingest``: exit 2 and one line naming the
    problem (0 for a good file), no traceback, the catalog of that name untouched."""
    home = tmp_path / "home"
    target = home / "catalogs" / "shop.duckdb"
    target.parent.mkdir(parents=True)
    target.write_bytes(baseline.path.read_bytes())
    cases = [c for c in INGEST if c.name in CLI_CASES]
    assert len(cases) == len(CLI_CASES)
    procs: list[tuple[IngestCase, subprocess.Popen[str]]] = []
    for case in cases:
        files = write_case(case, tmp_path / case.name)
        name = "shop" if case.error else f"ok-{case.name.replace('_', '-')}"
        args = [*CLI, "data", "ingest", name, "--items", str(files.items)]
        args += ["--interactions", str(files.interactions)]
        args += ["--mapping", str(files.mapping)] if files.mapping else []
        args += ["--format", case.fmt] if case.fmt else []
        env = {**os.environ, "RECPILOT_HOME": str(home)}
        env.pop("RECPILOT_DATABASE_URL", None)
        popen = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        procs.append((case, popen))
    for case, popen in procs:
        out, err = popen.communicate(timeout=120)
        assert "Traceback" not in out + err, case.name
        if case.error is None:
            assert popen.returncode == 0, (case.name, err)
            continue
        lines = err.strip().splitlines()
        assert popen.returncode == 2 and len(lines) == 1, (case.name, err)
        assert lines[0].startswith("error: ") and case.error in lines[0], (case.name, err)
    assert _digest(target) == baseline.digest
    assert sorted(p.name for p in target.parent.iterdir() if not p.name.startswith("ok-")) == [
        "shop.duckdb"
    ]


# ----------------------------------------------------------------------------- server


class Collected(logging.Handler):
    """Every log record of the server run (uvicorn's and recpilot's)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self, since: int) -> list[str]:
        return [
            r.getMessage()
            for r in self.records[since:]
            if r.exc_info or "Traceback" in r.getMessage()
        ]


@dataclass
class Server:
    base: str
    logs: Collected
    titles: dict[str, str]


@pytest.fixture(scope="module")
def server(agent: Agent, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("bad-input-server")
    settings = ServerSettings(
        api_keys=configured_keys(),
        keys_file=folder / "keys.json",
        memory_url=f"sqlite:///{folder / 'memory.sqlite3'}",
    )
    app = create_app(settings, agent=agent)
    logs = Collected()
    watched = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "recpilot")]
    with serve_in_thread(app) as base:
        for logger in watched:
            logger.addHandler(logs)
        try:
            yield Server(base, logs, agent.catalog.titles())
        finally:
            for logger in watched:
                logger.removeHandler(logs)


def _send(server: Server, case: HttpCase) -> httpx.Response:
    headers: list[tuple[bytes, bytes]] = []
    if case.key != "none":
        headers.append((b"Authorization", f"Bearer {KEYS[case.key]}".encode()))
    if case.content_type:
        headers.append((b"Content-Type", case.content_type.encode()))
    headers += [(k.encode(), v.encode("latin-1")) for k, v in case.headers]
    with httpx.Client(base_url=server.base, timeout=60) as client:
        return client.request(case.method, case.path, content=case.body, headers=headers)


def _check_error(response: httpx.Response, kind: str | None) -> None:
    body = response.json()
    error = body["error"]
    assert error["message"] and "\n" not in error["message"]
    assert error["request_id"] == response.headers["x-request-id"]
    if kind is not None:
        assert error["type"] == kind


HTTP = http_cases()


@pytest.mark.parametrize("case", HTTP, ids=[c.name for c in HTTP])
def test_http_case(case: HttpCase, server: Server) -> None:
    before = len(server.logs.records)
    response = _send(server, case)
    assert response.status_code in case.expect, response.text[:300]
    assert "Traceback" not in response.text
    if 400 <= response.status_code < 500 and not case.path.startswith("/mcp"):
        _check_error(response, case.kind)
    elif case.kind is not None:
        assert response.json()["error"]["type"] == case.kind
    assert server.logs.tracebacks(before) == []


CHAT = chat_cases()


def _answered(server: Server, items: list[dict[str, Any]]) -> None:
    assert all(server.titles.get(i["item_id"]) == i["title"] for i in items)


@pytest.mark.parametrize("case", CHAT, ids=[c.name for c in CHAT])
def test_chat_message(case: ChatCase, server: Server) -> None:
    """The same message through a REST session and the OpenAI-compatible endpoint."""
    before = len(server.logs.records)
    headers = {"Authorization": f"Bearer {ALICE_KEY}", "Content-Type": "application/json"}
    with httpx.Client(base_url=server.base, timeout=60, headers=headers) as client:
        rest = client.post("/v1/sessions", content=case.rest_body())
        openai = client.post("/v1/chat/completions", content=case.openai_body())
    for response in (rest, openai):
        assert response.status_code == case.expect, response.text[:300]
        assert "Traceback" not in response.text
        if case.expect != 200:
            _check_error(response, None)
    if case.expect == 200:
        assert rest.json()["reply"] and openai.json()["choices"][0]["message"]["content"]
        _answered(server, rest.json()["items"])
        _answered(server, openai.json()["recpilot"]["items"])
    assert server.logs.tracebacks(before) == []


MCP = mcp_cases()


async def _call(base: str, case: McpCase) -> Any:
    headers = {"Authorization": f"Bearer {KEYS[case.key]}"} if case.key != "none" else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
    ):
        return await client.call_tool(case.tool, case.arguments)


@pytest.mark.parametrize("case", MCP, ids=[c.name for c in MCP])
def test_mcp_call(case: McpCase, server: Server) -> None:
    before = len(server.logs.records)
    result = asyncio.run(_call(server.base, case))
    text = " ".join(getattr(c, "text", "") for c in result.content)
    assert "Traceback" not in text
    if case.error is None:
        assert not result.is_error, text[:300]
    else:
        assert result.is_error and case.error in text, text[:300]
        assert len(text) < 5_000, "the error echoes a huge argument back"
    assert server.logs.tracebacks(before) == []
