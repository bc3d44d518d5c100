"""Population simulation: profiles, the rules and LLM simulators, agreement, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recpilot.catalog.interactions import InteractionData
from recpilot.eval.population_agreement import agreement, context_scorers, probes, user_auc
from recpilot.eval.population_llm import LLMPageSimulator
from recpilot.eval.population_profiles import ItemFacts, UserProfile, build_population
from recpilot.eval.population_run import browse, engagement
from recpilot.eval.population_sim import RulesSimulator, RulesWeights
from recpilot.eval.population_systems import ModelPager
from recpilot.eval.splits import Split, random_split
from recpilot.llm.scripted import ScriptedLLM
from recpilot.testing import ensure_catalog

N_ITEMS = 40  # items 0-19 are category X, 20-39 category Y


def planted() -> tuple[Split, ItemFacts]:
    """30 users: u00-u14 read only X items, u15-u29 only Y items (14 each, seeded)."""
    rng = np.random.default_rng(3)
    users, items, times = [], [], []
    for u in range(30):
        block = range(0, 20) if u < 15 else range(20, 40)
        for t, i in enumerate(rng.choice(list(block), size=14, replace=False)):
            users.append(f"u{u:02d}")
            items.append(f"i{i:02d}")
            times.append(t)
    ids = [f"i{i:02d}" for i in range(N_ITEMS)]
    data = InteractionData.from_ids(users, items, item_vocab=ids, timestamps=times)
    split = random_split(data, seed=1)
    facts = ItemFacts.build(
        tuple(ids),
        tuple(f"Title {i}" for i in ids),
        "category",
        [["X"] if k < 20 else ["Y"] for k in range(N_ITEMS)],
        split.train.item_popularity(),
    )
    return split, facts


def x_fans(users: list[UserProfile]) -> list[UserProfile]:
    return [u for u in users if int(u.user_id[1:]) < 15]


def test_profiles_read_taste_and_traits_from_train_only() -> None:
    split, facts = planted()
    users = build_population(split, facts, users=30, seed=0)
    assert len(users) == 30 and len({u.sim_id for u in users}) == 30
    x = facts.values.index("X")
    for user in users:
        fan_of_x = int(user.user_id[1:]) < 15
        assert user.taste[x] == pytest.approx(1.0 if fan_of_x else 0.0)
        assert user.diversity == pytest.approx(0.0)  # one category only
        assert not set(user.history) & set(user.heldout)  # held-out never in the profile
        assert user.heldout and user.activity == len(user.history) == 12  # 14 → 12/1/1
        assert 1 <= user.patience <= 3 and 0.0 <= user.conformity <= 1.0
    assert user.top_taste(facts, 1)[0][1] == pytest.approx(1.0)


def test_more_simulated_users_than_real_ones_reuse_profiles_with_new_seeds() -> None:
    split, facts = planted()
    users = build_population(split, facts, users=65, seed=4)
    assert len({u.user_id for u in users}) == 30
    assert len({u.sim_id for u in users}) == 65 and len({u.seed for u in users}) == 65
    assert sum(u.sim_id.endswith("#3") for u in users) == 5


def test_rules_simulator_watches_matching_items_more() -> None:
    split, facts = planted()
    fans = x_fans(build_population(split, facts, users=150, seed=0))
    sim = RulesSimulator(facts)
    watched = {"X": 0, "Y": 0}
    for user in fans:
        for label, page in (("X", list(range(0, 10))), ("Y", list(range(20, 30)))):
            outcome = sim.session(user).page(1, page)
            watched[label] += len(outcome.watched)
            assert all(
                a.reason.startswith(a.action) and "taste" in a.reason for a in outcome.actions
            )
            assert all(1 <= a.rating <= 5 for a in outcome.actions if a.rating is not None)
    n = 10 * len(fans)
    p_x, p_y = watched["X"] / n, watched["Y"] / n
    pooled = (p_x + p_y) / 2
    z = (p_x - p_y) / np.sqrt(pooled * (1 - pooled) * 2 / n)  # two-proportion z-test
    assert z > 3.0, (watched, n)


def test_user_leaves_when_patience_runs_out() -> None:
    split, facts = planted()
    user = x_fans(build_population(split, facts, users=30, seed=0))[0]
    never = RulesSimulator(facts, RulesWeights(bias=-50.0))
    pager = ModelPager("pop", None, facts.popularity)
    run = browse(pager, never, user, pages=10, page_size=5)
    assert len(run.pages) == user.patience and run.left
    shown = [a.item_id for p in run.pages for a in p.actions]
    assert len(shown) == len(set(shown))  # nothing shown twice
    assert not {facts.item_ids.index(i) for i in shown} & set(user.history)
    stats = engagement("pop", {}, [run], pages=10)
    assert stats.ctr == 0.0 and stats.leave_rate == 1.0 and stats.satisfaction is None


def test_user_auc_counts_ties_as_half() -> None:
    flags = np.array([True, False, False])
    assert user_auc(np.array([3.0, 1.0, 2.0]), flags) == 1.0
    assert user_auc(np.array([1.0, 2.0, 3.0]), flags) == 0.0
    assert user_auc(np.array([1.0, 1.0, 1.0]), flags) == 0.5


def test_agreement_is_high_on_planted_truth_and_chance_for_random() -> None:
    split, facts = planted()
    users = build_population(split, facts, users=30, seed=0)
    sim = RulesSimulator(facts)
    probe_set = probes(users, N_ITEMS, negatives=20, seed=0)
    scorers = {
        "simulator": lambda u, items, rng: sim.preference(u, items),
        **context_scorers(facts),
    }
    result = agreement(probe_set, scorers, seed=0)
    assert result.users == 30
    # held-out items are in the user's category; about half the negatives are not
    assert result.scorers["simulator"].auc > 0.7
    assert abs(result.scorers["random"].auc - 0.5) < 0.1


def test_llm_simulator_parses_json_and_counts_invalid_answers() -> None:
    split, facts = planted()
    user = x_fans(build_population(split, facts, users=30, seed=0))[0]
    llm = ScriptedLLM(
        '{"watch": [2], "rating": 4, "leave": false, "reason": "I like X"}',
        "I would watch the second one",  # no JSON
        '{"watch": [9], "rating": 4, "leave": false, "reason": "out of range"}',
        '{"watch": [], "rating": 1, "leave": true, "reason": "nothing for me"}',
    )
    sim = LLMPageSimulator(llm, facts)
    browse_ = sim.session(user)
    first = browse_.page(1, [0, 1, 2])
    assert first.watched == ["i01"] and first.actions[1].rating == 4 and not first.leave
    assert first.actions[1].reason == "I like X"
    for page in (2, 3):
        bad = browse_.page(page, [3, 4, 5])
        assert bad.invalid and bad.watched == [] and not bad.leave
    last = browse_.page(4, [20, 21, 22])
    assert last.leave and not last.invalid and last.watched == []
    assert sim.calls == 4 and sim.invalid == 2 and len(sim.errors) == 2
    request = llm.requests[0]
    assert request.json_schema is not None
    assert request.json_schema["properties"]["watch"]["items"]["enum"] == [1, 2, 3]
    prompt = request.messages[-1].content
    assert "X (100%)" in prompt and "Title i01" in prompt


@pytest.fixture(scope="module")
def shop_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("population-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RECPILOT_HOME", str(home))
        ensure_catalog("planted-shop").close()
    return home


def _recpilot(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RECPILOT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "recpilot", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_cli_end_to_end_on_a_planted_catalog(shop_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "rep"
    done = _recpilot(
        shop_home, "eval", "population", "--dataset", "planted-shop", "--users", "60",
        "--pages", "3", "--systems", "pop,ease,agent", "--transcripts", "2", "--out", str(out),
        "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {p.name for p in out.iterdir()} == {
        "report.md", "report.json", "engagement.png", "sessions.jsonl",
    }  # fmt: skip
    assert [s["name"] for s in report["systems"]] == ["pop", "ease", "agent"]
    for s in report["systems"]:
        assert s["users"] == 60
        assert 0.0 < s["ctr"] < 1.0 and 1.0 <= s["pages_viewed"] <= 3.0
        assert 0.0 <= s["leave_rate"] <= 1.0 and 1.0 <= s["satisfaction"] <= 5.0
        assert s["reached_by_page"][0] == 60
    auc = report["agreement"]["scorers"]
    assert auc["simulator"]["auc"] > 0.6 and 0.35 < auc["random"]["auc"] < 0.65
    sessions = (out / "sessions.jsonl").read_text().splitlines()
    assert len(sessions) == 6
    action = json.loads(sessions[0])["pages"][0]["actions"][0]
    assert action["action"] in ("watch", "skip") and "→ p" in action["reason"]
    assert "## Agreement with held-out interactions" in (out / "report.md").read_text()


def test_cli_rejects_an_unknown_system(shop_home: Path, tmp_path: Path) -> None:
    done = _recpilot(
        shop_home, "eval", "population", "--dataset", "planted-shop", "--systems", "pop,nope",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 2
    assert "nope" in done.stderr and "Traceback" not in done.stderr
    assert not any(tmp_path.iterdir())  # nothing written
