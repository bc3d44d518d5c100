"""How often the embedded LLM's reply states something the catalog does not bear out, before
and after the fact check (``recpilot.agent.factcheck``); results in docs/reply-facts.md.

``run`` sends varied requests through the real turn path
(``build_agent(AgentOptions(llm=...))``, ``agent.turn(Session(), text)``) and stores, per
turn, the reply LLM's raw text and the listed items in a JSONL file (git-ignored). Batches
keep one run under ~40 LLM calls on a shared 2-core machine::

    .venv/bin/python bench/reply_facts.py run --start 0 --stop 13      # 0.5B by default
    .venv/bin/python bench/reply_facts.py run --start 13 --stop 25
    .venv/bin/python bench/reply_facts.py run --start 25 --stop 37
    .venv/bin/python bench/reply_facts.py run --books                  # planted-books
    .venv/bin/python bench/reply_facts.py run --llm local:qwen2.5-coder-1.5b --start 25 --stop 37
    .venv/bin/python bench/reply_facts.py report [--show] [--labelled]

``report`` needs no LLM. It checks two layers of each reply, the introduction as the agent
tidies it (:func:`~recpilot.agent.respond.tidy_intro`, recomputed from the raw text so runs
made before and after the agent integrated the check measure the same thing) and the whole
reply, and compares the checker with the hand labels in :data:`LABELLED`. LABELLED also
records the labelled turns, so ``report --labelled`` reproduces the published numbers
without an LLM. A label applies to a stored turn only while its raw reply is the labelled
text; other text is reported unlabelled.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recpilot.agent.factcheck import FactCheck, checked_intro
from recpilot.agent.respond import tidy_intro
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
    # read only after the checker's second version was written (held out for it)
    "a heist movie",
    "something romantic from the 40s",
    "family films for Christmas",
    "a Coen brothers style dark comedy",
    "a sci-fi film with aliens from the 90s",
    "the best Kubrick films",
    "a tearjerker drama",
    "westerns with John Wayne",
    "80s action movies",
    "a film about the Vietnam war",
    "a quirky indie comedy",
    "children's musicals",
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
    llm: str
    request: str
    item_ids: tuple[str, ...]
    reply_source: str
    intro: str
    raw: str
    wrong: tuple[str, ...] = ()
    why: str = ""
    grounded: bool = True  # False: the agent's stray-title check rejected the reply

    def record(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "llm": self.llm,
            "request": self.request,
            "reply_source": self.reply_source,
            "intro": self.intro,
            "raw": self.raw,
            "item_ids": list(self.item_ids),
            "notes": [] if self.grounded else [GROUNDING_NOTE],
        }


# REQUESTS[:13] were read while the checker's first version was written, REQUESTS[13:25]
# held out for it and read while the second was written, REQUESTS[25:] and the books held
# out for the second.
PARTS = ((13, "dev"), (25, "held-out-1"), (len(REQUESTS), "held-out-2"))


LABELLED: list[Labelled] = [
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
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
        llm="local:qwen2.5-coder-0.5b",
        request="thrillers from 1995 or later",
        item_ids=("100", "288", "300", "117", "748"),
        reply_source="template",
        intro="",
        raw="1. Fargo is a crime thriller from 1996, which matches Thriller from 1995.\n2. Scream is a horror thriller from 1996, which matches Thriller from 1995.\n3. Air Force One is an action thriller",
        wrong=(),
        why="thriller, 1996 - as stated",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="a heist movie",
        item_ids=("100", "127", "56", "302", "12"),
        reply_source="template",
        intro="",
        raw="1. Fargo is a crime thriller that matches Crime, Drama, Thriller.\n2. The Godfather is a crime drama that matches Crime, Crime, Drama.\n3. Pulp Fiction is a crime thriller that matches Crime, Drama.\n4. L.A. Confidential is a crime film-Noir",
        wrong=("Pulp Fiction is a crime thriller",),
        why="Pulp Fiction's row is Crime, Drama: no Thriller (Fargo and Godfather sentences hold)",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="something romantic from the 40s",
        item_ids=("483", "478", "607", "489", "1050"),
        reply_source="template",
        intro="",
        raw="1. Casablanca is a romantic drama from the 40s that matches Romance, 1942 and 1940–1949.\n2. The Philadelphia Story is a comedy drama from the 40s that matches Romance, 194",
        wrong=(),
        why="Casablanca: Romance, Drama, 1942 - as stated",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="family films for Christmas",
        item_ids=("50", "258", "181", "286", "1"),
        reply_source="template",
        intro="",
        raw="1. Star Wars — Action, Adventure, Romance, Sci-Fi · 1977 — matches Film-Noir/Children's/Romance/Sci-Fi · 583 interactions\n2. Contact — Drama, Sci-Fi · 1997 — matches Film-Noir/",
        wrong=(),
        why="'matches Film-Noir/Children's/Romance/Sci-Fi' echoes the relaxed any-of condition, which Star Wars meets (Romance, Sci-Fi)",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="a Coen brothers style dark comedy",
        item_ids=("294", "1", "69", "269", "257"),
        reply_source="template",
        intro="",
        raw="1. Liar Liar is a comedy that matches Comedy from 1990, with 485 interactions.\n2. Toy Story is an animation that matches Comedy from 1990, with 452 interactions.\n3. Forrest Gump is a comedy that matches",
        wrong=(),
        why="comedy, 'from 1990' echoes the condition",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="a sci-fi film with aliens from the 90s",
        item_ids=("258", "121", "7", "222", "257"),
        reply_source="template",
        intro="",
        raw="1. Contact: A sci-fi film with aliens from the 90s, featuring a diverse cast of characters from the 90s.\n2. Independence Day: A sci-fi film with aliens from the 90s, featuring a diverse cast of characters from the 90s",
        wrong=("Contact: A sci-fi film with aliens",),
        why="aliens and a diverse cast: content the catalog cannot back",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="the best Kubrick films",
        item_ids=("50", "258", "181", "121", "7", "172", "222", "204", "257", "195"),
        reply_source="template",
        intro="",
        raw='1. "Star Wars" is a sci-fi action film that matches Sci-Fi and has 583 interactions.\n2. "Contact" is a drama and sci-fi film that matches Sci-Fi and has 509 interactions.\n3. "Return of the Jedi" is a action and',
        wrong=(),
        why="genres and interaction counts as in the rows",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="a tearjerker drama",
        item_ids=("258", "100", "286", "127", "56"),
        reply_source="template",
        intro="",
        raw="1. Contact: Drama, Sci-Fi · 1997 — matches Drama · 509 interactions\n2. Fargo: Crime, Drama, Thriller · 1996 — matches Drama · 508 interactions\n3. The English Patient: Drama, Romance,",
        wrong=(),
        why="the rows copied",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="westerns with John Wayne",
        item_ids=("97", "435"),
        reply_source="template",
        intro="",
        raw="1. Dances with Wolves — Adventure, Drama, Western · 1990 — matches Western · 256 interactions\n2. Butch Cassidy and the Sundance Kid — Action, Comedy, Western · 1969 — matches Western · 216 interactions",
        wrong=(),
        why="the row copied",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="80s action movies",
        item_ids=("181", "174", "172", "210", "173"),
        reply_source="template",
        intro="",
        raw='1. "Return of the Jedi" is a classic action film that has been a hit for over 507 interactions, making it a popular choice for fans of action movies.\n2. "Raiders of the Lost Ark" is a classic action film that has been a hit for over',
        wrong=(),
        why="action; the interaction count is the item's reason",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="a film about the Vietnam war",
        item_ids=("50", "181", "286", "121", "172"),
        reply_source="template",
        intro="",
        raw="1. The War/Film-Noir is a film about the Vietnam War, starring actors like George Lucas, Michael Caine, and Stanley Kubrick.\n2. The War/Film-Noir is a film about the Vietnam War, starring actors like George Lucas, Michael Caine, and Stanley Kub",
        wrong=("starring actors like George Lucas",),
        why="an invented film about Vietnam with an invented cast",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="a quirky indie comedy",
        item_ids=("204", "173", "216", "238", "186"),
        reply_source="template",
        intro="",
        raw="1. Back to the Future is a quirky indie comedy that explores themes of love, adventure, and the power of imagination.\n2. The Princess Bride is a quirky indie comedy that explores themes of love, adventure, and the power of imagination.\n3. When Harry Met Sally... is a quirky indie",
        wrong=("quirky indie comedy that explores",),
        why="'indie' and the themes are claims the catalog cannot back",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-0.5b",
        request="children's musicals",
        item_ids=("132", "71", "95", "588", "419"),
        reply_source="template",
        intro="",
        raw="1. The Wizard of Oz is a children's musical that matches Children's & Musical.\n2. The Lion King is a children's musical that matches Children's & Musical.",
        wrong=(),
        why="both are Children's, Musical",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-0.5b",
        request="Anything by Yuki Tanabe?",
        item_ids=("bk0337", "bk0218", "bk0479", "bk0490", "bk0679"),
        reply_source="template",
        intro="",
        raw="1. The Bitter Orbit is a science fiction thriller that explores the complexities of the human condition and the challenges of navigating the complexities of the universe.\n2. The Map Engine is a science fiction novel that explores the challenges of navigating the complexities of the universe and the challenges of navigating the complexities of the",
        wrong=("explores the complexities",),
        why="the themes are not in the blurb (first contact, a hostage negotiator)",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-0.5b",
        request="Mystery books under 12 dollars",
        item_ids=("bk0229", "bk0633", "bk0005", "bk0781", "bk0786"),
        reply_source="template",
        intro="",
        raw="1. Regreso a Cádiz — Carmen Ortega · Historical Fiction, Mystery · Spanish · Ebook — matches Mystery, until 12 · 203 interactions\n2. Death in Larkspur Hall — Zara Malik · Mystery, Thriller · English · Paperback — matches",
        wrong=(),
        why="the row copied",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-0.5b",
        request="French poetry",
        item_ids=("bk0041", "bk0861", "bk0211", "bk0330", "bk0140"),
        reply_source="template",
        intro="",
        raw="1. La Maison du Phare à Rouen is a French poetry book.\n2. Les Enfants du Vent à Bordeaux is a French poetry book.\n3. Les Jours de Dakar is a French poetry book.\n4. La Maison du Phare is a French poetry book.\n5",
        wrong=(),
        why="all four are French Poetry",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-0.5b",
        request="Three travel books",
        item_ids=("bk0624", "bk0189", "bk0242"),
        reply_source="template",
        intro="",
        raw="1. The Rise and Fall of Byzantium is a travel book that matches Travel 181 interactions.\n2. The Pale Century is a travel book that matches Travel 149 interactions.\n3. Slow Days in Yunnan is a travel book that matches Travel 106 interactions",
        wrong=(),
        why="both are Travel",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-0.5b",
        request="Horror published before 1980",
        item_ids=("bk0257", "bk0049", "bk0066", "bk0800", "bk0746"),
        reply_source="template",
        intro="",
        raw="1. Dead Map: Imogen Hale, Thriller, Horror, English, Ebook - matches Horror, until 1979, 42 interactions\n2. The Broken Hour: Priya Raman, Horror, English, Hardcover - matches Horror, until 1979,",
        wrong=(),
        why="the row copied",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-0.5b",
        request="a long fantasy novel",
        item_ids=("bk0506", "bk0360", "bk0267", "bk0300", "bk0298"),
        reply_source="template",
        intro="",
        raw="1. A Life in Patagonia is a fantasy novel that matches the biography of Lucas Brennan.\n2. The Elephant Who Lost the Stranger is a children's novel that matches the biography of Samuel Reyes-Hart.\n3. Heir to the Letter is a fantasy novel that matches the biography of Isaac",
        wrong=(
            "A Life in Patagonia is a fantasy novel",
            "matches the biography of Samuel Reyes-Hart",
        ),
        why="A Life in Patagonia is a Biography, not Fantasy; The Elephant... is not a Biography",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="a heist movie",
        item_ids=("100", "127", "56", "302", "12"),
        reply_source="template",
        intro="",
        raw="1. Fargo is a thrilling crime drama that follows a criminal mastermind who plots a heist. It's a classic that matches the crime genre and has a large number of interactions.\n2. The Godfather is a powerful crime drama that follows the life of a mafia family. It's a classic",
        wrong=("follows a criminal mastermind", "follows the life of a mafia family"),
        why="plots: invented for Fargo, unbacked for The Godfather",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="something romantic from the 40s",
        item_ids=("483", "478", "607", "489", "1050"),
        reply_source="template",
        intro="",
        raw="1. Casablanca is a romantic drama that tells the story of a young American soldier who falls in love with a French woman during World War II. It's a classic that has been adapted into numerous films and TV shows.\n2. The Philadelphia Story is a romantic comedy that follows the story",
        wrong=("tells the story of a young American soldier", "adapted into numerous films"),
        why="an invented plot and an invented history of adaptations",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="family films for Christmas",
        item_ids=("258", "100", "286", "1", "56"),
        reply_source="template",
        intro="",
        raw="1. Contact is a drama and sci-fi film that is suitable for Christmas, with a mix of animation, children's, drama, and musical elements. It has 509 interactions and was released in 1997.\n2. Fargo is a crime, drama, and thriller film",
        wrong=("suitable for Christmas",),
        why="Contact's row has no Animation, Children's or Musical",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="a Coen brothers style dark comedy",
        item_ids=("294", "1", "69", "269", "257"),
        reply_source="template",
        intro="",
        raw="The Coen brothers style dark comedy is a dark comedy that blends elements of comedy with dark themes. It is a dark comedy that is both funny and dark, and it is a dark comedy that is both funny and dark, and it is a dark comedy that is both funny and dark, and it",
        wrong=("Coen brothers style",),
        why="presents the picks as Coen-brothers-style dark comedies: nothing backs it",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="a sci-fi film with aliens from the 90s",
        item_ids=("258", "121", "7", "222", "257"),
        reply_source="template",
        intro="",
        raw="1. Contact is a drama that blends elements of sci-fi and action, with a focus on the relationship between humans and extraterrestrial life from the 1990s.\n2. Independence Day is an action film that explores themes of war and survival, with a strong sci-fi element that",
        wrong=("Contact is a drama that blends",),
        why="Contact's row has no Action; the extraterrestrial plot is unbacked",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="the best Kubrick films",
        item_ids=("50", "258", "100", "181", "286", "288", "300", "121", "127", "56"),
        reply_source="template",
        intro="",
        raw="Based on the relaxed criteria, the best Kubrick films that match Drama or Sci-Fi or Film-Noir or Thriller are:\n\n1. Star Wars (Action, Adventure, Romance, Sci-Fi)\n2. Contact (Drama, Sci-Fi)\n\nThese films are known for their innovative storytelling and complex",
        wrong=("the best Kubrick films",),
        why="calls the picks Kubrick films",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="a tearjerker drama",
        item_ids=("258", "100", "127", "56", "7"),
        reply_source="template",
        intro="",
        raw="1. Contact is a tearjerker drama that blends drama and crime elements, with a strong emotional impact.\n2. Fargo is a gripping drama that explores themes of morality and redemption, with a mix of drama and thriller elements.",
        wrong=("Contact is a tearjerker drama", "explores themes of morality"),
        why="Contact's row has no Crime; Fargo's themes are unbacked",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="westerns with John Wayne",
        item_ids=("97", "435"),
        reply_source="template",
        intro="",
        raw='Sure, here are two short friendly sentences introducing the picks:\n\n1. "Hey there! I was looking for Westerns with John Wayne. I found two great options - Dances with Wolves and Butch Cassidy and the Sundance Kid. Both are action-packed and have a lot of drama, but',
        wrong=("Westerns with John Wayne",),
        why="implies the two westerns have John Wayne",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="80s action movies",
        item_ids=("181", "174", "172", "210", "173"),
        reply_source="llm",
        intro="The 80s action movies are a great choice for fans of action, adventure, and romance. Some of the most popular include Return of the Jedi, Raiders of the Lost Ark, The Empire Strikes Back, Indiana Jones and the Last Crusade, and The Princess Bride.",
        raw="The 80s action movies are a great choice for fans of action, adventure, and romance. Some of the most popular include Return of the Jedi, Raiders of the Lost Ark, The Empire Strikes Back, Indiana Jones and the Last Crusade, and The Princess Bride. These movies are known",
        wrong=(),
        why="all five are 80s Action; adventure and romance are in the set",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="a film about the Vietnam war",
        item_ids=("474", "511", "520"),
        reply_source="template",
        intro="",
        raw="The Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb is a classic sci-fi film that explores themes of war and nuclear weapons. Lawrence of Arabia is a historical adventure film that tells the story of a British general leading a campaign against the Arab forces in the",
        wrong=("explores themes of war and nuclear weapons",),
        why="themes the catalog cannot back (the genres hold)",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="a quirky indie comedy",
        item_ids=("204", "173", "216", "238", "186"),
        reply_source="template",
        intro="",
        raw='1. "Back to the Future" is a quirky indie comedy that blends science fiction with comedy, offering a unique perspective on time travel and the consequences of it.\n2. "The Princess Bride" is a classic romantic comedy that combines action, adventure, and romance, with a touch of humor and',
        wrong=("quirky indie comedy that blends",),
        why="'indie' and the time-travel plot are unbacked",
    ),
    Labelled(
        dataset=MOVIES,
        llm="local:qwen2.5-coder-1.5b",
        request="children's musicals",
        item_ids=("132", "71", "95", "588", "419"),
        reply_source="llm",
        intro="The Wizard of Oz is a classic adventure and musical for children, while The Lion King is a fun and colorful animated film that also includes a musical element.",
        raw="The Wizard of Oz is a classic adventure and musical for children, while The Lion King is a fun and colorful animated film that also includes a musical element. Aladdin is a delightful comedy and musical with a touch of magic, while Beauty and the Beast is a heartwarming animated film that also features",
        wrong=(),
        why="Adventure, Musical, Children's; Animation, Musical: as stated",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-1.5b",
        request="Anything by Yuki Tanabe?",
        item_ids=("bk0337", "bk0218", "bk0479", "bk0490", "bk0679"),
        reply_source="llm",
        intro="The Bitter Orbit by Yuki Tanabe is a thrilling science fiction novel that matches Yuki Tanabe's 109 interactions. The Map Engine by Yuki Tanabe is a science fiction novel that matches Yuki Tanabe's 70 interactions.",
        raw="The Bitter Orbit by Yuki Tanabe is a thrilling science fiction novel that matches Yuki Tanabe's 109 interactions. The Map Engine by Yuki Tanabe is a science fiction novel that matches Yuki Tanabe's 70 interactions. The Colony Promise by Yuki Tan",
        wrong=(),
        why="author and category as in the rows",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-1.5b",
        request="Mystery books under 12 dollars",
        item_ids=("bk0229", "bk0633", "bk0005", "bk0781", "bk0786"),
        reply_source="template",
        intro="",
        raw='1. "Regreso a Cádiz" by Carmen Ortega is a historical fiction mystery book that matches the budget of 12 dollars, with 203 interactions.\n2. "Death in Larkspur Hall" by Zara Malik is a mystery thriller book that matches the',
        wrong=(),
        why="author, categories as in the row; 'matches the budget of 12 dollars' echoes the condition, which the price (3) meets",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-1.5b",
        request="French poetry",
        item_ids=("bk0041", "bk0861", "bk0211", "bk0330", "bk0140"),
        reply_source="template",
        intro="",
        raw="1. \"Mathieu Fontaine's La Maison du Phare is a charming French poetry collection that offers a glimpse into the poet's world through his poetic works. It's a great choice for fans of French poetry and those looking for a delightful read. \"\n2. \"Mathieu Fontaine's",
        wrong=("offers a glimpse into the poet's world",),
        why="a content claim the blurb (short poems about weather, rivers) does not back",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-1.5b",
        request="Three travel books",
        item_ids=("bk0624", "bk0189", "bk0242"),
        reply_source="template",
        intro="",
        raw="The Rise and Fall of Byzantium by Marcus Llewellyn is a fascinating history book that offers a comprehensive look at the rise and fall of the Byzantine Empire. The Pale Century by Nathaniel Greer is a travel book that takes readers on a journey through the history of the Pale Century,",
        wrong=("comprehensive look at the rise and fall",),
        why="the Byzantine Empire content is not in the blurb",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-1.5b",
        request="Horror published before 1980",
        item_ids=("bk0257", "bk0049", "bk0066", "bk0800", "bk0746"),
        reply_source="template",
        intro="",
        raw="1. Dead Map is a thrilling horror novel published before 1980, with a 42 interaction count.\n2. The Broken Hour is a horror novel published before 1980, with a 35 interaction count.\n3. Bones of Harrow Lane is a horror",
        wrong=(),
        why="Horror, 1918 and 1968: as stated",
    ),
    Labelled(
        dataset=BOOKS,
        llm="local:qwen2.5-coder-1.5b",
        request="a long fantasy novel",
        item_ids=("bk0267", "bk0298", "bk0563", "bk0580", "bk0605"),
        reply_source="template",
        intro="",
        raw='1. "Heir to the Letter" by Isaac Thornbury is a captivating fantasy novel that blends romance and adventure, offering a unique perspective on the world of magic and destiny.\n2. "The Clock of Iceland" by Ruth Calloway is a heartwarming fantasy novel that explores themes of',
        wrong=("unique perspective on the world of magic and destiny",),
        why="a theme claim the blurb backs only in part (magic, not destiny)",
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
        records[(dataset, args.llm, text)] = row
        print(f"{record.llm_calls} calls {row['seconds']:>5}s  {text!r}: {record.intro!r}")
        _save(args.out, records)
    print(f"{len(requests)} turns, {calls} LLM calls")


def _load(path: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {(str(r["dataset"]), str(r["llm"]), str(r["request"])): r for r in rows}


def _save(path: Path, records: dict[tuple[str, str, str], dict[str, Any]]) -> None:
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
    """Counts for one layer of text: the introduction (what the agent would show above the
    item list) or the whole raw reply (every statement the model made)."""

    turns: int = 0
    texts: int = 0
    flagged: int = 0  # checker: >= 1 contradicted or unsupported statement
    emptied: int = 0  # the rewrite left nothing (the template reply is used)
    labelled: int = 0
    wrong_before: int = 0  # hand labels: >= 1 wrong sentence in the text
    wrong_after: int = 0  # hand labels: a wrong sentence survives the rewrite
    tp: int = 0  # sentences dropped by the checker and labelled wrong
    fp: int = 0
    fn: int = 0
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

    def merge(self, other: Tally) -> None:
        for name in ("turns", "texts", "flagged", "emptied", "labelled", "wrong_before"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("wrong_after", "tp", "fp", "fn"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for verdict, n in other.verdicts.items():
            self.verdicts[verdict] += n

    def row(self, name: str) -> str:
        v = self.verdicts
        return (
            f"| {name} | {self.turns} | {self.texts} | {_share(self.flagged, self.texts)} "
            f"| {_share(self.emptied, self.texts)} | {_share(self.wrong_before, self.labelled)} "
            f"| {_share(self.wrong_after, self.labelled)} "
            f"| {_ratio(self.tp, self.tp + self.fp)} / {_ratio(self.tp, self.tp + self.fn)} "
            f"| {v['contradicted']} / {v['unsupported']} / {v['supported']} |"
        )


HEADER = (
    "| part | turns | texts | checker drops a sentence | nothing left | wrong before (labels) "
    "| wrong after (labels) | sentence precision / recall | contradicted / unsupported / "
    "supported |\n|---|---|---|---|---|---|---|---|---|"
)
GROUNDING_NOTE = "named items outside the result"  # the agent's stray-title fallback


def _wrong(sentence: str, label: Labelled) -> bool:
    return any(snippet in sentence for snippet in label.wrong)


def part(record: dict[str, Any]) -> str:
    model = str(record["llm"]).rsplit("-", 1)[-1] if ":" in str(record["llm"]) else "1.5b"
    if record["dataset"] != MOVIES or record["request"] not in REQUESTS:
        return f"{model} held-out-2 ({record['dataset']})"
    index = REQUESTS.index(record["request"])
    return f"{model} " + next(name for stop, name in PARTS if index < stop)


def report(args: argparse.Namespace) -> None:
    labels = {(x.dataset, x.llm, x.request): x for x in LABELLED}
    stored = list(_load(args.out).values()) if not args.labelled else []
    records = stored or [x.record() for x in LABELLED]
    print(f"turns from {args.out if stored else 'the LABELLED data in bench/reply_facts.py'}")
    catalogs: dict[str, Catalog] = {}
    intros: dict[str, Tally] = defaultdict(Tally)
    wholes: dict[str, Tally] = defaultdict(Tally)
    unlabelled: list[str] = []
    for r in records:
        dataset, name = str(r["dataset"]), part(r)
        catalog = catalogs.get(dataset) or catalogs.setdefault(dataset, open_dataset(dataset))
        items = catalog.get_items([str(i) for i in r["item_ids"]])
        label = labels.get((dataset, str(r["llm"]), str(r["request"])))
        if label is not None and label.raw != r["raw"]:
            label = None  # the stored turn is not the one labelled
        if label is None and r["raw"]:
            unlabelled.append(str(r["request"]))
        intros[name].turns += 1
        wholes[name].turns += 1
        grounded = not any(GROUNDING_NOTE in note for note in r.get("notes", []))
        # The introduction as the agent had it before the fact check, recomputed from the raw
        # reply, so a run made after the agent integrated the check measures the same thing.
        intro = tidy_intro(str(r["raw"])) if grounded else ""
        for tally, layer, text in (
            (intros[name], "intro", intro),
            (wholes[name], "whole reply", prose(str(r["raw"]))),
        ):
            if not text:
                continue
            kept, check = checked_intro(text, items, catalog)
            tally.add(check, kept, label)
            if args.show:
                _show(r, layer, text, check, kept, label)
    for title, tallies in (
        ("The introduction (what the agent shows above the data-backed list)", intros),
        ("The whole raw reply (every statement the model made; list markers removed)", wholes),
    ):
        print(f"\n{title}\n\n{HEADER}")
        totals: dict[str, Tally] = defaultdict(Tally)
        for name in sorted(tallies):
            print(tallies[name].row(name))
            totals[f"{name.split()[0]} all"].merge(tallies[name])
            totals["all"].merge(tallies[name])
        for name in sorted(totals, key=lambda n: (n == "all", n)):
            print(totals[name].row(f"**{name}**"))
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
