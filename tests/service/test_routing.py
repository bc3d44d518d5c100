"""Several catalogs behind one service: the planted bookshop and web shop, each request routed
by the catalogs' own vocabulary (or the LLM when the rules are unsure), the choice in the
turn record, overridable, and a session kept on its catalog unless the user switches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from recpilot.agent.agent import Agent
from recpilot.agent.build import AgentOptions, build_agent
from recpilot.errors import ConfigError
from recpilot.llm.base import LLMRequest
from recpilot.llm.scripted import FunctionLLM
from recpilot.memory.store import MemoryStore
from recpilot.service.catalog_cards import build_card
from recpilot.service.routing import RoutedService, Router
from recpilot.testing import ensure_catalog

BOOKS, SHOP = "planted-books", "planted-shop"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("routing-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RECPILOT_HOME", str(path))
        mp.delenv("RECPILOT_DATABASE_URL", raising=False)
        yield path


@pytest.fixture(scope="module")
def agents(home: Path) -> list[Agent]:
    out = []
    for name in (BOOKS, SHOP):
        catalog = ensure_catalog(name)
        out.append(
            build_agent(AgentOptions(dataset=name, embedder="hashing", demos="none"), catalog)
        )
    return out


@pytest.fixture
def service(agents: list[Agent], tmp_path: Path) -> Iterator[RoutedService]:
    svc = RoutedService(agents, MemoryStore.open(f"sqlite:///{tmp_path / 'm.sqlite3'}"))
    try:
        yield svc
    finally:
        svc.close()


def test_requests_go_to_the_catalog_whose_vocabulary_they_use(service: RoutedService) -> None:
    books = service.turn(None, "a French poetry book under 15 euros")
    shop = service.turn(None, "black running shoes under 100 dollars")
    assert (books.record.catalog, books.record.routed_by) == (BOOKS, "rules")
    assert (shop.record.catalog, shop.record.routed_by) == (SHOP, "rules")
    assert books.record.items and all(i.item_id.startswith("bk") for i in books.record.items)
    assert shop.record.items and all(i.item_id.startswith("sk") for i in shop.record.items)
    assert "planted-books" in books.record.route_reason
    # the cards come from the catalog that answered
    cards = service.cards(shop.record.items)
    assert all("brand" in c["attributes"] for c in cards)
    contract = shop.record.contract()
    assert contract["catalog"] == SHOP and contract["routed_by"] == "rules"
    # feedback on a shop item reaches the shop's service, with or without its session
    service.feedback("buyer", shop.record.items[0].item_id, "like")
    assert service.store.profile("buyer").liked == [shop.record.items[0].item_id]


def test_a_named_catalog_overrides_the_reading(service: RoutedService) -> None:
    out = service.turn(None, "a French poetry book", catalog=SHOP)
    assert (out.record.catalog, out.record.routed_by) == (SHOP, "request")
    with pytest.raises(ConfigError, match="valid: planted-books, planted-shop"):
        service.turn(None, "a poetry book", catalog="vinyl-records")
    assert service.for_catalog(SHOP).catalog.name == SHOP


def test_a_session_stays_on_its_catalog_until_the_user_switches(service: RoutedService) -> None:
    first = service.turn("reader1", "a cosy mystery novel to read on the train")
    assert first.record.catalog == BOOKS
    stored = service.store.load_session(first.session_id, "reader1")
    assert stored is not None and stored.turns[-1].record["catalog"] == BOOKS
    # "black" names a shop colour, but the session is a bookshop conversation
    again = service.turn("reader1", "something darker, black humour", first.session_id)
    assert (again.session_id, again.record.catalog) == (first.session_id, BOOKS)
    assert again.record.routed_by == "session"
    switched = service.turn("reader1", "now products please: headphones", first.session_id)
    assert (switched.record.catalog, switched.record.routed_by) == (SHOP, "switch")
    assert switched.session_id != first.session_id  # a session belongs to one catalog


def test_the_llm_reads_only_what_the_rules_cannot(agents: list[Agent]) -> None:
    asked: list[LLMRequest] = []

    def answer(request: LLMRequest) -> str:
        asked.append(request)
        return '{"catalog": "planted-shop"}'

    router = Router([build_card(a.catalog, a.profile) for a in agents], FunctionLLM(answer))
    clear = router.route("a French poetry book")
    assert (clear.catalog, clear.routed_by, asked) == (BOOKS, "rules", [])
    unsure = router.route("something for a rainy afternoon")
    assert (unsure.catalog, unsure.routed_by) == (SHOP, "llm")
    assert unsure.llm is not None and unsure.llm.purpose == "route"
    prompt = asked[0].messages[0].content
    assert "planted-books:" in prompt and "planted-shop:" in prompt  # the descriptions
    assert asked[0].json_schema is not None
    assert asked[0].json_schema["properties"]["catalog"]["enum"] == [BOOKS, SHOP]


def test_an_llm_answer_outside_the_catalogs_leaves_the_rules_pick(agents: list[Agent]) -> None:
    router = Router(
        [build_card(a.catalog, a.profile) for a in agents],
        FunctionLLM(lambda _: '{"catalog": "movies"}'),
    )
    route = router.route("nothing I can name")
    assert route.routed_by in ("rules", "default") and route.catalog in (BOOKS, SHOP)
    assert route.llm is not None  # the call is still on the record


def test_recpilot_ask_routes_over_comma_separated_datasets(
    agents: list[Agent], home: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "RECPILOT_HOME": str(home)}
    command = [sys.executable, "-m", "recpilot", "ask", "Kopfhörer kaufen, am liebsten schwarz"]
    command += ["--dataset", f"{BOOKS},{SHOP}", "--json", "--db", f"sqlite:///{tmp_path}/m.db"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert (answer["catalog"], answer["routed_by"]) == (SHOP, "rules")
    assert answer["items"] and all(i["item_id"].startswith("sk") for i in answer["items"])
    bad = subprocess.run(
        [*command[:5], "--dataset", f"{BOOKS},{BOOKS}x", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert bad.returncode == 2 and "unknown dataset" in bad.stderr
