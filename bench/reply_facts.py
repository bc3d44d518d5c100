"""How often the embedded LLM's reply introduction states something the catalog does not
bear out, before and after the fact check (``recpilot.agent.factcheck``).

``run`` sends varied MovieLens requests through the real turn path of the embedded 0.5B
(``build_agent(AgentOptions(llm=...))``, ``agent.turn(Session(), text)``) and stores each
turn's ``record.intro`` (the LLM's introduction as the agent accepted it today) in a JSONL
file. Batches keep one run under ~40 LLM calls on a shared 2-core machine::

    .venv/bin/python bench/reply_facts.py run --start 0 --stop 13
    .venv/bin/python bench/reply_facts.py run --start 13 --stop 25
    .venv/bin/python bench/reply_facts.py run --books        # planted-books, if present
    .venv/bin/python bench/reply_facts.py report [--show]

``report`` needs no LLM: it runs the checker over the stored intros and compares it with the
hand labels in :data:`LABELLED`, which also records the labelled turns, so
``report --labelled`` reproduces the published numbers without an LLM. A label applies to a
stored turn only while its raw reply is the labelled text; other text is reported unlabelled.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recpilot.agent.factcheck import FactCheck, checked_intro
from recpilot.catalog.datasets import open_dataset
from recpilot.catalog.store import Catalog
from recpilot.llm.base import LLM, LLMRequest, LLMResponse

MOVIES = "movielens-100k"
BOOKS = "planted-books"
DEFAULT_OUT = Path("reports/reply-facts/intros.jsonl")

REQUESTS = [
    "90s comedies",
    "something like Fargo but funnier",
    "a scary movie for tonight",
    "Hitchcock thrillers",
    "movies starring Tom Hanks",
    "Oscar-winning dramas from the 90s",
    "films based on a true story",
    "animated movies for my kids",
    "a classic western",
    "sci-fi from before 1980",
    "romantic comedies for date night",
    "war movies about World War II",
    "something like Star Wars",
    "Spielberg adventure films",
    "film noir detective stories",
    "a good documentary",
    "musicals from the 50s and 60s",
    "crime movies like The Godfather",
    "I can't stand horror, something funny from the 80s",
    "an action movie with lots of explosions",
    "a mystery set in Paris",
    "three feel-good films",
    "dark fantasy films",
    "movies like Toy Story",
    "thrillers from 1995 or later",
]
BOOK_REQUESTS = [
    "Anything by Yuki Tanabe?",
    "Mystery books under 12 dollars",
    "French poetry",
    "Three travel books",
    "Horror published before 1980",
    "a long fantasy novel",
]


@dataclass(frozen=True)
class Labelled:
    """One recorded turn with its hand label: snippets of the sentences (of :func:`prose` of
    the raw reply) that state something the listed items' rows contradict or cannot
    support. Written by reading each reply next to the rows, before looking at the
    checker's verdicts for the held-out part."""

    dataset: str
    request: str
    item_ids: tuple[str, ...]
    reply_source: str
    intro: str
    raw: str
    wrong: tuple[str, ...] = ()
    why: str = ""

    def record(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "request": self.request,
            "reply_source": self.reply_source,
            "intro": self.intro,
            "raw": self.raw,
            "item_ids": list(self.item_ids),
        }


DEV = 13  # REQUESTS[:DEV] were read while the checker was written; the rest is held out
LABELLED: list[Labelled] = [
    Labelled(
        dataset=MOVIES,
        request="90s comedies",
        item_ids=("294", "1", "69", "269", "257"),
        reply_source="template",
        intro="",
        raw="1. Liar Liar is a classic comedy that matches the 1997 and 1990s releases, with 485 interactions.\n2. Forrest Gump is a classic comedy that matches the 1994 and 1990s releases,",
        wrong=(),
        why="Liar Liar: Comedy, 1997 - as stated",
    ),
    Labelled(
        dataset=MOVIES,
        request="something like Fargo but funnier",
        item_ids=("1", "151", "25", "204", "294"),
        reply_source="template",
        intro="",
        raw='1. "Fargo" is a classic animated comedy that features a young boy named Willy Wonka and the Chocolate Factory, with a comedic twist that matches the story of a young boy named Willy Wonka and the Chocolate Factory.\n2. "Fargo" is a classic adventure comedy that',
        wrong=('"Fargo" is a classic animated comedy',),
        why="Fargo is Crime/Drama/Thriller, not an animated comedy; the Willy Wonka plot is invented",
    ),
    Labelled(
        dataset=MOVIES,
        request="a scary movie for tonight",
        item_ids=("288", "183", "234", "185", "200"),
        reply_source="template",
        intro="",
        raw="1. Scream is a horror thriller that matches the horror genre with 1996.\n2. Alien is an action thriller that matches the horror genre with 1979.\n3. Jaws is an action thriller that matches the horror genre with 1975.\n4",
        wrong=("Jaws is an action thriller",),
        why="Jaws' row is Action, Horror: no Thriller (Scream and Alien sentences hold)",
    ),
    Labelled(
        dataset=MOVIES,
        request="Hitchcock thrillers",
        item_ids=("100", "288", "300", "98", "117"),
        reply_source="template",
        intro="",
        raw="1. Fargo is a crime thriller that matches Thriller, with 1996 as the match.\n2. Scream is a horror thriller that matches Thriller, with 1996 as the match.\n3. Air Force One is an action thriller that matches Thriller, with",
        wrong=(),
        why="Fargo and Scream: thriller, 1996 - as stated",
    ),
    Labelled(
        dataset=MOVIES,
        request="movies starring Tom Hanks",
        item_ids=("300", "174", "127", "117", "222"),
        reply_source="template",
        intro="",
        raw="1. Air Force One is a thrilling action thriller that matches Action, no War.\n2. Raiders of the Lost Ark is a thrilling adventure that matches Action, no War.\n3. The Godfather is a thrilling crime drama that matches Action, no War.\n4. The Rock is a thrilling adventure",
        wrong=(),
        why="genres as stated, none of them War",
    ),
    Labelled(
        dataset=MOVIES,
        request="Oscar-winning dramas from the 90s",
        item_ids=("258", "100", "286", "56", "7"),
        reply_source="template",
        intro="",
        raw="1. Oscar-winning dramas from the 90s include Fargo, The English Patient, Pulp Fiction, Twelve Monkeys, and Twelve Monkeys.\n2. Oscar-winning dramas from the 90s include Fargo, The English Patient, Pulp Fiction, Twelve Monkeys, and Twelve Mon",
        wrong=("Oscar-winning",),
        why="Oscar wins: the catalog holds nothing that could support it",
    ),
    Labelled(
        dataset=MOVIES,
        request="films based on a true story",
        item_ids=("50", "258", "100", "181", "294"),
        reply_source="template",
        intro="",
        raw="1. Star Wars - Action, Adventure, Romance, Sci-Fi · 1977 - 583 interactions\n2. Contact - Drama, Sci-Fi · 1997 - 509 interactions\n3. Fargo - Crime, Drama, Thriller · 1",
        wrong=(),
        why="the rows copied",
    ),
    Labelled(
        dataset=MOVIES,
        request="animated movies for my kids",
        item_ids=("1", "71", "95", "588", "432"),
        reply_source="template",
        intro="",
        raw="1. \"The Lion King\" is a children's animated film that features a lion and its family, which matches the children's plot.\n2. \"Beauty and the Beast\" is a children's animated film that features a beautiful woman and her family, which matches the children's plot.",
        wrong=("features a lion", "features a beautiful woman"),
        why="plot descriptions the catalog cannot support",
    ),
    Labelled(
        dataset=MOVIES,
        request="a classic western",
        item_ids=("97",),
        reply_source="llm",
        intro="Dances with Wolves is a classic Western film that features a diverse cast of actors and a rich cast of characters. The film is set in the 1990s and explores themes of adventure, drama, and Western culture.",
        raw="Dances with Wolves is a classic Western film that features a diverse cast of actors and a rich cast of characters. The film is set in the 1990s and explores themes of adventure, drama, and Western culture.",
        wrong=("diverse cast of actors", "set in the 1990s"),
        why="cast claim unsupported; the story is not set in the 1990s",
    ),
    Labelled(
        dataset=MOVIES,
        request="sci-fi from before 1980",
        item_ids=("50", "183", "135", "179", "474"),
        reply_source="template",
        intro="",
        raw="1. Star Wars is a sci-fi film that was released in 1977 and has been a hit since then.\n2. Alien is a sci-fi film that was released in 1979 and has been a hit since then.\n3. 2001: A",
        wrong=(),
        why="sci-fi, 1977 and 1979 - as stated",
    ),
    Labelled(
        dataset=MOVIES,
        request="romantic comedies for date night",
        item_ids=("173", "69", "216", "202", "111"),
        reply_source="template",
        intro="",
        raw="1. The Princess Bride is a romantic comedy that matches both Romance and Comedy.\n2. Forrest Gump is a romantic comedy that matches both Romance and Comedy.\n3. When Harry Met Sally... is a romantic comedy that matches both Romance and Comedy.\n4. Groundhog Day is a romantic comedy that",
        wrong=(),
        why="all three are Comedy, Romance",
    ),
    Labelled(
        dataset=MOVIES,
        request="war movies about World War II",
        item_ids=("593", "80", "1574", "1065", "318"),
        reply_source="template",
        intro="",
        raw="1. Stalingrad — War · 1993 — matches War · text matches 'world     ii' · 12 interactions\n2. Hot Shots! Part Deux — Action, Comedy, War · 1993 — matches War · text matches 'world     ii",
        wrong=(),
        why="the row copied",
    ),
    Labelled(
        dataset=MOVIES,
        request="something like Star Wars",
        item_ids=("181", "174", "172", "1", "127"),
        reply_source="template",
        intro="",
        raw='1. "Return of the Jedi" is a classic action adventure that explores the journey of a Jedi from the Jedi School to the Jedi Republic, with a focus on the Jedi\'s journey from the Jedi School to the Jedi Republic.\n2. "Raiders of the Lost Ark" is a classic',
        wrong=("journey of a Jedi",),
        why="an invented plot (Jedi School, Jedi Republic)",
    ),
    Labelled(
        dataset=MOVIES,
        request="Spielberg adventure films",
        item_ids=("181", "174", "172", "210", "173"),
        reply_source="template",
        intro="",
        raw='1. "Return of the Jedi" is a classic action adventure film that has been praised for its engaging plot and memorable characters.\n2. "Raiders of the Lost Ark" is a classic adventure film that has been praised for its engaging plot and memorable characters.',
        wrong=("has been praised",),
        why="reception claims (praised plot and characters): nothing in the catalog can back them",
    ),
    Labelled(
        dataset=MOVIES,
        request="film noir detective stories",
        item_ids=("302", "654", "484", "525", "770"),
        reply_source="template",
        intro="",
        raw="1. L.A. Confidential: Crime, Film-Noir, Mystery, Thriller · 1997 — matches Film-Noir & Mystery · 297 interactions\n2. Chinatown: Film-Noir, Mystery, Thriller · 1974 — matches Film-No",
        wrong=(),
        why="the row copied",
    ),
    Labelled(
        dataset=MOVIES,
        request="a good documentary",
        item_ids=("48", "32", "813", "847", "1065"),
        reply_source="template",
        intro="",
        raw="1. Hoop Dreams is a documentary that matches the 1994 version of Hoop Dreams, which was released in 1994.\n2. Crumb is a documentary that matches the 1994 version of Crumb, which was released in 199",
        wrong=(),
        why="Hoop Dreams: Documentary, 1994 - as stated",
    ),
    Labelled(
        dataset=MOVIES,
        request="musicals from the 50s and 60s",
        item_ids=("419", "485", "610", "965", "1121"),
        reply_source="template",
        intro="",
        raw="1. Mary Poppins - Children's, Comedy, Musical · 1964 - matches Musical, 1955–1964 · 178 interactions\n2. My Fair Lady - Musical, Romance · 1964 - matches Musical, 1",
        wrong=(),
        why="the row copied",
    ),
    Labelled(
        dataset=MOVIES,
        request="crime movies like The Godfather",
        item_ids=("187", "182", "293", "504", "403"),
        reply_source="template",
        intro="",
        raw="1. The Godfather: Part II — Action, Crime, Drama · 1974 — matches Crime · similar to Godfather, The (item-CF + categories) · 209 interactions\n2. GoodFellas — Crime, Drama · 1990 —",
        wrong=(),
        why="the row copied",
    ),
    Labelled(
        dataset=MOVIES,
        request="I can't stand horror, something funny from the 80s",
        item_ids=("204", "173", "216", "238", "186"),
        reply_source="template",
        intro="",
        raw="1. Back to the Future: A classic comedy that explores themes of love, adventure, and the human condition.\n2. The Princess Bride: A classic action film that explores themes of love, adventure, and the human condition.\n3. When Harry Met Sally...: A classic comedy that explores themes",
        wrong=("explores themes of love",),
        why="themes (love, adventure, the human condition) are content claims the catalog cannot back",
    ),
    Labelled(
        dataset=MOVIES,
        request="an action movie with lots of explosions",
        item_ids=("50", "181", "300", "121", "174"),
        reply_source="template",
        intro="",
        raw="1. Star Wars is a thrilling action film that explores the complex world of space and time, with multiple explosions and action sequences.\n2. Return of the Jedi is a thrilling action film that explores the complex world of space and time, with multiple explosions and action sequences.\n3. Air Force One is",
        wrong=("explores the complex world of space and time",),
        why="content claims (world of space and time, explosions) the catalog cannot back",
    ),
    Labelled(
        dataset=MOVIES,
        request="a mystery set in Paris",
        item_ids=("405", "302", "328", "333", "322"),
        reply_source="template",
        intro="",
        raw="1. The Game is a mystery set in Paris, featuring a crime thriller that matches the Mystery series from 1997.\n2. The Game is a mystery set in Paris, featuring a crime thriller that matches the Mystery series from 1997.",
        wrong=("The Game is a mystery set in Paris",),
        why="The Game is not set in Paris and its row has no Crime",
    ),
    Labelled(
        dataset=MOVIES,
        request="three feel-good films",
        item_ids=("50", "100", "181"),
        reply_source="template",
        intro="",
        raw="1. Star Wars is a thrilling action-packed adventure film that explores the complex world of Star Wars, featuring characters like Luke Skywalker, Darth Vader, and the rebels.\n2. Fargo is a crime drama film that explores the brutal realities of Fargo, including the brutal murder of the famous character, and the",
        wrong=("featuring characters like",),
        why="characters: nothing in the catalog can back them",
    ),
    Labelled(
        dataset=MOVIES,
        request="dark fantasy films",
        item_ids=("411", "472", "755", "820", "892"),
        reply_source="template",
        intro="",
        raw="1. The Nutty Professor is a comedy, fantasy, and romance film from 1995, with 163 interactions.\n2. Dragonheart is an action, adventure, and fantasy film from 1996, with 158 interactions.\n3. Juman",
        wrong=("The Nutty Professor is a comedy, fantasy, and romance film from 1995",),
        why="The Nutty Professor's row says 1996 (Dragonheart sentence holds)",
    ),
    Labelled(
        dataset=MOVIES,
        request="movies like Toy Story",
        item_ids=("95", "151", "477", "588", "473"),
        reply_source="template",
        intro="",
        raw="1. Aladdin is a children's animated film that is similar to Toy Story.\n2. Willy Wonka and the Chocolate Factory is a children's animated film that is similar to Toy Story.",
        wrong=("Willy Wonka and the Chocolate Factory is a children's animated film",),
        why="Willy Wonka's row has no Animation (Aladdin sentence holds)",
    ),
    Labelled(
        dataset=MOVIES,
        request="thrillers from 1995 or later",
        item_ids=("100", "288", "300", "117", "748"),
        reply_source="template",
        intro="",
        raw="1. Fargo is a crime thriller from 1996, which matches Thriller from 1995.\n2. Scream is a horror thriller from 1996, which matches Thriller from 1995.\n3. Air Force One is an action thriller",
        wrong=(),
        why="thriller, 1996 - as stated",
    ),
]


class Recorder(LLM):
    """The reply LLM, passed through, keeping the text it returned (measurement only)."""

    def __init__(self, inner: LLM) -> None:
        self.inner, self.name, self.texts = inner, inner.name, list[str]()

    def request(self, req: LLMRequest) -> LLMResponse:
        response = self.inner.request(req)
        self.texts.append(response.text)
        return response

    def close(self) -> None:
        self.inner.close()


def run(args: argparse.Namespace) -> None:
    from recpilot.agent.build import AgentOptions, build_agent
    from recpilot.agent.session import Session

    dataset, requests = MOVIES, REQUESTS[args.start : args.stop]
    if args.books:
        try:
            from recpilot.testing.catalogs import ensure_catalog
        except ImportError:
            sys.exit("recpilot.testing.catalogs is not there: no books run")
        ensure_catalog(BOOKS).close()
        dataset, requests = BOOKS, BOOK_REQUESTS
    agent = build_agent(AgentOptions(dataset=dataset, llm=args.llm))
    # The one change to the built agent: its reply LLM is wrapped to keep the raw text, which
    # the agent's tidy-up otherwise discards (list lines) before record.intro is set.
    recorder = Recorder(agent.reply_llm) if agent.reply_llm is not None else None
    agent.reply_llm = recorder
    records = _load(args.out)
    calls = 0
    for text in requests:
        started = time.perf_counter()
        before = len(recorder.texts) if recorder else 0
        record = agent.turn(Session(), text)
        calls += record.llm_calls
        row = {
            "dataset": dataset,
            "request": text,
            "llm": args.llm,
            "reply_source": record.reply_source,
            "intro": record.intro,
            "raw": recorder.texts[-1] if recorder and len(recorder.texts) > before else "",
            "item_ids": [item.item_id for item in record.items],
            "notes": record.notes,
            "llm_calls": record.llm_calls,
            "seconds": round(time.perf_counter() - started, 1),
        }
        records[(dataset, text)] = row
        print(f"{record.llm_calls} calls {row['seconds']:>5}s  {text!r}: {record.intro!r}")
        _save(args.out, records)
    print(f"{len(requests)} turns, {calls} LLM calls")


def _load(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {(str(r["dataset"]), str(r["request"])): r for r in rows}


def _save(path: Path, records: dict[tuple[str, str], dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records.values()))


def prose(raw: str) -> str:
    """The whole raw reply as sentences: list markers removed, each line closed, and the
    last line cut to its whole sentences (the token budget cuts it mid-sentence, and the
    agent's tidy-up drops such a tail too)."""
    lines = [ln for ln in (_MARKER.sub("", line).strip() for line in raw.splitlines()) if ln]
    if lines and lines[-1][-1] not in ".!?":
        whole = re.match(r"^.*[.!?](?=\s|$)", lines[-1])
        lines[-1] = whole.group() if whole else ""
    return " ".join(ln if ln[-1] in ".!?" else ln + "." for ln in lines if ln)


_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+")


@dataclass
class Tally:
    """Counts for one text layer (the shipped intro, or the whole raw reply)."""

    texts: int = 0
    flagged: int = 0  # checker: >= 1 contradicted or unsupported statement
    labelled: int = 0
    wrong_before: int = 0  # hand labels: >= 1 wrong sentence
    wrong_after: int = 0  # hand labels: a wrong sentence survives the rewrite
    emptied: int = 0  # the rewrite left nothing (template reply)
    tp: int = 0  # sentences: dropped and labelled wrong
    fp: int = 0
    fn: int = 0
    tn: int = 0
    verdicts: dict[str, int] = field(
        default_factory=lambda: {"supported": 0, "contradicted": 0, "unsupported": 0}
    )

    def add(self, check: FactCheck, kept: str, label: Labelled | None) -> None:
        self.texts += 1
        self.flagged += bool(check.dropped)
        self.emptied += not kept
        for statement in check.statements:
            self.verdicts[statement.verdict.value] += 1
        if label is None:
            return
        self.labelled += 1
        self.wrong_before += any(_wrong(s, label) for s in check.sentences)
        self.wrong_after += any(_wrong(s, label) for s in check.kept)
        dropped = set(check.dropped)
        for s in check.sentences:
            truth, said = _wrong(s, label), s in dropped
            self.tp += truth and said
            self.fp += said and not truth
            self.fn += truth and not said
            self.tn += not truth and not said

    def lines(self, name: str) -> list[str]:
        return [
            f"## {name}: {self.texts} texts; statements {self.verdicts}",
            f"  checker: >= 1 contradicted/unsupported statement in {_share(self.flagged, self.texts)};"
            f" nothing left (template reply) in {_share(self.emptied, self.texts)}",
            f"  hand labels ({self.labelled} texts): a wrong statement before the check in"
            f" {_share(self.wrong_before, self.labelled)}, after in {_share(self.wrong_after, self.labelled)}",
            f"  sentences vs hand labels: precision {_ratio(self.tp, self.tp + self.fp)},"
            f" recall {_ratio(self.tp, self.tp + self.fn)}"
            f" (tp {self.tp}, fp {self.fp}, fn {self.fn}, tn {self.tn})",
        ]


def _wrong(sentence: str, label: Labelled) -> bool:
    return any(snippet in sentence for snippet in label.wrong)


def part(record: dict[str, Any]) -> str:
    if record["dataset"] == MOVIES and record["request"] in REQUESTS[:DEV]:
        return "dev"
    return "held-out"


def report(args: argparse.Namespace) -> None:
    labels = {(x.dataset, x.request): x for x in LABELLED}
    stored = list(_load(args.out).values()) if not args.labelled else []
    records = stored or [x.record() for x in LABELLED]
    print(f"turns from {args.out if stored else 'the LABELLED data in this file'}")
    catalogs: dict[str, Catalog] = {}
    tallies: dict[tuple[str, str], tuple[Tally, Tally, list[int]]] = {}
    unlabelled: list[str] = []
    for r in records:
        dataset = str(r["dataset"])
        catalog = catalogs.get(dataset) or catalogs.setdefault(dataset, open_dataset(dataset))
        shipped, whole, turns = tallies.setdefault((dataset, part(r)), (Tally(), Tally(), [0, 0]))
        turns[0] += 1
        items = catalog.get_items([str(i) for i in r["item_ids"]])
        label = labels.get((dataset, str(r["request"])))
        if label is not None and label.raw != r["raw"]:
            label = None  # the stored turn is not the one labelled
        if label is None and r["raw"]:
            unlabelled.append(str(r["request"]))
        if r["reply_source"] == "llm" and r["intro"]:
            turns[1] += 1
            kept, check = checked_intro(str(r["intro"]), items, catalog)
            shipped.add(check, kept, label)
            if args.show:
                _show(r, "intro", str(r["intro"]), check, kept, label)
        if r["raw"]:
            kept, check = checked_intro(prose(str(r["raw"])), items, catalog)
            whole.add(check, kept, label)
            if args.show:
                _show(r, "raw", prose(str(r["raw"])), check, kept, label)
    for (dataset, name), (shipped, whole, turns) in sorted(tallies.items()):
        print(f"\n# {dataset}, {name}: {turns[0]} turns, {turns[1]} with an LLM introduction")
        print("\n".join(shipped.lines("record.intro (what the agent ships today)")))
        print("\n".join(whole.lines("whole raw reply (list markers removed)")))
    print(f"\nunlabelled: {unlabelled or 'none'}")


def _show(
    r: dict[str, Any], layer: str, text: str, check: FactCheck, kept: str, label: Labelled | None
) -> None:
    print(f"\n[{r['dataset']}] {r['request']!r} ({layer})  items={r['item_ids']}")
    print(f"  text: {text!r}")
    for s in check.statements:
        print(f"    {s.verdict.value:<12} {s.claim!r} on {s.items or 'the set'}: {s.detail[:110]}")
    print(f"  kept: {kept!r}")
    if label is not None:
        print(f"  label: wrong={label.wrong}")


def _share(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f}%)" if n else "n/a"


def _ratio(k: int, n: int) -> str:
    return f"{k / n:.2f}" if n else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="run requests through the embedded LLM, store intros")
    p_run.add_argument("--llm", default="local:qwen2.5-coder-0.5b")
    p_run.add_argument("--start", type=int, default=0)
    p_run.add_argument("--stop", type=int, default=len(REQUESTS))
    p_run.add_argument("--books", action="store_true", help="the planted-books requests")
    p_report = sub.add_parser("report", help="check the stored intros, compare with hand labels")
    p_report.add_argument("--show", action="store_true", help="every intro with its verdicts")
    p_report.add_argument(
        "--labelled", action="store_true", help="the turns recorded in LABELLED, not --out"
    )
    for p in (p_run, p_report):
        p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    run(args) if args.command == "run" else report(args)


if __name__ == "__main__":
    main()
