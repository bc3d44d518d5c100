"""First-call vs repeated-call latency of the embedded models.

A ~600-token static system prompt (a planner prompt: tool list, genre vocabulary, rules) with a
short user message, and a schema-constrained ~40-token JSON output. Call 1 evaluates the whole
prompt; later calls (different user messages) should evaluate only the tokens after the shared
system prefix (llama.cpp KV-cache prefix reuse). Prints one row per call.

    .venv/bin/python bench/llm_latency.py                # every installed embedded model
    .venv/bin/python bench/llm_latency.py --models qwen2.5-coder-0.5b --calls 3
"""

from __future__ import annotations

import argparse
import time

from recpilot.llm import LLMRequest, Message, parse_json, validate_against
from recpilot.llm.local import LocalLLM
from recpilot.llm.weights import EMBEDDED_MODELS, ensure_weights, parts_installed

GENRES = [
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
]  # fmt: skip
SCHEMA = {
    "type": "object",
    "properties": {
        "mode": {"enum": ["personal", "popular", "similar"]},
        "genres": {"type": "array", "items": {"enum": GENRES}, "maxItems": 2},
        "year_min": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "seed_titles": {
            "type": "array",
            "items": {"type": "string", "maxLength": 40},
            "maxItems": 2,
        },
    },
    "required": ["mode", "genres", "year_min", "seed_titles"],
    "additionalProperties": False,
}
TOOLS = [
    ("search_catalog", "hard filters on genre, year range, rating; returns matching items"),
    ("retrieve_similar", "items similar to seed titles by co-watching (item-CF)"),
    ("retrieve_semantic", "items whose description matches free text (embeddings)"),
    ("rank", "orders candidates: personal history, popularity or similarity"),
    ("lookup_items", "answers a factual question about items from catalog rows"),
    ("diversify", "spreads the final list over genres and years"),
    ("finalize", "keeps the top n items for the reply"),
]
RULES = [
    "Use only genres from the list; map synonyms (funny -> Comedy, scary -> Horror).",
    "Put a year in year_min only when the user states a lower bound such as 'after 1990'.",
    "Put titles in seed_titles only when the user names a movie; copy them exactly.",
    "Choose mode 'similar' when seed titles are given, 'personal' when the user has history.",
    "Never invent titles, genres or facts; the catalog is the only source of truth.",
    "Keep lists short: at most two genres and two seed titles.",
]
USER_MESSAGES = [
    "something like Fargo but funnier, nothing before 1990",
    "a scary movie for tonight",
    "romantic comedies from the nineties",
    "war films similar to Platoon",
]


def system_prompt() -> str:
    lines = ["You are the planner of a movie recommender. Reply with one JSON object only.", ""]
    lines += ["Tools:"] + [f"- {name}: {desc}" for name, desc in TOOLS]
    lines += ["", "Genres: " + ", ".join(GENRES), "", "Rules:"]
    lines += [f"{i}. {rule}" for i, rule in enumerate(RULES * 3, start=1)]
    lines += ["", "Examples:"]
    examples = [
        ("funny crime movies", '{"mode": "popular", "genres": ["Comedy", "Crime"], '
         '"year_min": null, "seed_titles": []}'),
        ("like Alien but newer than 1985", '{"mode": "similar", "genres": ["Sci-Fi"], '
         '"year_min": 1985, "seed_titles": ["Alien"]}'),
        ("something for me", '{"mode": "personal", "genres": [], "year_min": null, '
         '"seed_titles": []}'),
    ]  # fmt: skip
    for request, plan in examples * 2:
        lines += [f"User: {request}", f"Plan: {plan}"]
    return "\n".join(lines)


def run(model_key: str, calls: int) -> list[list[str]]:
    started = time.perf_counter()
    path = ensure_weights(model_key)
    assemble_s = time.perf_counter() - started
    llm = LocalLLM(model_key)
    started = time.perf_counter()
    llm.load()
    load_s = time.perf_counter() - started
    system = system_prompt()
    rows = []
    for i in range(calls):
        user = USER_MESSAGES[i % len(USER_MESSAGES)]
        req = LLMRequest(
            messages=[Message(role="system", content=system), Message(role="user", content=user)],
            json_schema=SCHEMA,
            max_tokens=64,
        )
        resp = llm.request(req)
        stats = llm.last_stats
        valid = not validate_against(SCHEMA, parse_json(resp.text))
        rows.append(
            [
                model_key,
                str(i + 1),
                f"{resp.ms / 1000:.2f}",
                str(resp.prompt_tokens),
                str(stats.prompt_eval_tokens),
                f"{stats.prompt_eval_ms / 1000:.2f}",
                str(resp.completion_tokens),
                f"{stats.eval_ms / 1000:.2f}",
                "yes" if valid else "NO",
            ]
        )
        print(f"# {model_key} call {i + 1}: {resp.text}", flush=True)
    print(
        f"# {model_key}: weights {path} ready in {assemble_s:.1f} s, model load {load_s:.1f} s",
        flush=True,
    )
    llm.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(EMBEDDED_MODELS))
    parser.add_argument("--calls", type=int, default=3)
    args = parser.parse_args()
    header = [
        "model", "call", "wall s", "prompt tok", "prompt tok evaluated", "prompt eval s",
        "completion tok", "gen s", "schema-valid",
    ]  # fmt: skip
    rows: list[list[str]] = []
    for key in args.models:
        if not parts_installed(EMBEDDED_MODELS[key]):
            print(f"# skipping {key}: part packages not installed", flush=True)
            continue
        rows += run(key, args.calls)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
