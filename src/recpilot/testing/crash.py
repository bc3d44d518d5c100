"""A ``kill -9`` harness: start the real ``recpilot`` process, SIGKILL it at a random moment,
then check that what it was writing is still whole.

Three kinds of writer, each run against a private ``RECPILOT_HOME``:

* ``ingest`` — ``recpilot data ingest`` of a planted book catalog (two versions of the input
  files alternate). After the kill the catalog must open, answer a search and be exactly one of
  the two complete versions.
* ``train`` — ``recpilot train --force`` of five models. After the kill every model must load
  from its artifact (checksums verified, no retraining) and recommend.
* ``store`` — ``recpilot serve`` taking chat turns, stated preferences and feedback over HTTP
  from several clients (:mod:`recpilot.testing.crash_store`). After the kill every turn,
  preference and feedback whose response had arrived must be in the memory store.

Half the kills land at a uniformly random moment of the run, half while a temporary file of
the write exists (``mid_write``), so the dangerous window is hit often. Temporary files left
by a killed writer must be gone after the next complete run (``leftovers``).

    from recpilot.testing.crash import CrashRig
    rig = CrashRig(Path("/tmp/crash-home"), seed=0)
    rig.prepare()
    print(rig.run_kind("ingest", kills=50))
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from recpilot.catalog.store import Catalog
from recpilot.models.artifacts import artifact_dir, load_artifact
from recpilot.models.base import top_k
from recpilot.models.registry import make_config, model_class

from .catalogs import SourceFiles, write_files

CATALOG = "crash-books"
MODELS = ("pop", "itemknn", "ease", "als", "bpr")
KINDS = ("ingest", "train", "store")
SMALLER_BY = 150  # the second version of the input drops this many books


@dataclass(frozen=True)
class Kill:
    """One SIGKILL and what the check after it found (``problem`` is None when it held)."""

    kind: str
    index: int
    after_s: float
    mid_write: bool
    problem: str | None = None
    checked: int = 0
    """Acknowledged writes checked after the kill (the store kind)."""


@dataclass
class KindReport:
    kind: str
    kills: list[Kill] = field(default_factory=list)
    leftovers: int = 0
    """Temporary entries still there after one more complete run (0 is right)."""
    finished_first: int = 0
    """Runs that ended before their kill was due (not counted as kills)."""
    notes: list[str] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(k.problem is None for k in self.kills)

    @property
    def failed(self) -> int:
        return len(self.kills) - self.held

    @property
    def mid_write(self) -> int:
        return sum(k.mid_write for k in self.kills)

    @property
    def checked(self) -> int:
        return sum(k.checked for k in self.kills)

    def problems(self) -> list[str]:
        found = [f"{k.kind} #{k.index}: {k.problem}" for k in self.kills if k.problem]
        if self.leftovers:
            found.append(f"{self.kind}: {self.leftovers} temporary entries left after a clean run")
        return found


@contextlib.contextmanager
def home_env(home: Path) -> Iterator[None]:
    """Point this process's data home at ``home`` for the duration (checks read from it)."""
    before = os.environ.get("RECPILOT_HOME")
    os.environ["RECPILOT_HOME"] = str(home)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("RECPILOT_HOME", None)
        else:
            os.environ["RECPILOT_HOME"] = before


def temp_entries(directory: Path) -> list[Path]:
    """Entries of interrupted writes: temporary files and folders (``.<name>.<pid>.<token>
    .tmp``, ``.link``) and model versions no link names (``.<name>@<version>``)."""
    if not directory.is_dir():
        return []
    linked = set()
    for path in directory.iterdir():
        with contextlib.suppress(FileNotFoundError):  # a writer may rename it meanwhile
            if path.is_symlink():
                linked.add(os.readlink(path))
    return [
        p
        for p in directory.iterdir()
        if p.name.startswith(".")
        and (
            ".tmp" in p.name or p.name.endswith(".link") or ("@" in p.name and p.name not in linked)
        )
    ]


def _subset(files: SourceFiles, directory: Path) -> SourceFiles:
    """The same catalog without its last :data:`SMALLER_BY` books (and their reads)."""
    directory.mkdir(parents=True, exist_ok=True)
    with files.items.open(encoding="utf-8", newline="") as handle:
        books = list(csv.DictReader(handle))
    kept = books[:-SMALLER_BY]
    ids = {row["book_id"] for row in kept}
    with files.interactions.open(encoding="utf-8", newline="") as handle:
        reads = [row for row in csv.DictReader(handle) if row["book_id"] in ids]
    out = SourceFiles(directory / "books.csv", directory / "reads.csv", files.mapping)
    for path, rows in ((out.items, kept), (out.interactions, reads)):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return out


def catalog_digest(path: Path) -> str:
    """SHA-256 over the items and interactions of the catalog at ``path`` (opens it)."""
    digest = hashlib.sha256()
    with Catalog.open(path) as catalog:
        for row in catalog.query("SELECT item_id, title FROM items ORDER BY rowid"):
            digest.update(repr(row).encode())
        for row in catalog.query(
            "SELECT count(*), sum(hash(user_id || item_id)) FROM interactions"
        ):
            digest.update(repr(row).encode())
    return digest.hexdigest()


class CrashRig:
    """The catalog, models and store one harness run kills writers of."""

    def __init__(self, home: Path, *, seed: int = 0, store_url: str | None = None) -> None:
        self.home = Path(home)
        self.rng = random.Random(seed)
        self.store_url = store_url or f"sqlite:///{self.home / 'memory.sqlite3'}"
        self.catalog_path = self.home / "catalogs" / f"{CATALOG}.duckdb"
        self.models_dir = self.home / "models" / CATALOG
        self.logs = self.home / "logs"
        self.versions: dict[str, SourceFiles] = {}
        self.digests: dict[str, str] = {}
        # kind -> (seconds of a clean run, seconds each of its writes kept a temporary entry)
        self.timing: dict[str, tuple[float, list[float]]] = {}

    # ------------------------------------------------------------------ processes
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "RECPILOT_DATABASE_URL"}
        env["RECPILOT_HOME"] = str(self.home)
        return env

    def command(self, kind: str, version: str = "full") -> list[str]:
        base = [sys.executable, "-m", "recpilot"]
        if kind == "ingest":
            files = self.versions[version]
            return [
                *base,
                *("data", "ingest", CATALOG, "--items", str(files.items)),
                *("--interactions", str(files.interactions), "--mapping", str(files.mapping)),
            ]
        if kind == "train":
            return [*base, "train", "--dataset", CATALOG, "--models", ",".join(MODELS), "--force"]
        raise ValueError(f"no command for kind {kind!r}")

    def run_clean(
        self, command: list[str], name: str, watch: Callable[[], bool] | None = None
    ) -> tuple[float, list[float]]:
        """Run ``command`` to completion: its seconds, and how long each of its writes kept
        a temporary entry (``watch``, polled every millisecond). RuntimeError when it fails."""
        self.logs.mkdir(parents=True, exist_ok=True)
        spans: list[float] = []
        since: float | None = None
        started = time.perf_counter()
        with (self.logs / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(command, env=self.env(), stdout=log, stderr=log)
            while watch is not None and proc.poll() is None:
                present, now = watch(), time.perf_counter()
                if present and since is None:
                    since = now
                elif not present and since is not None:
                    spans.append(now - since)
                    since = None
                time.sleep(0.001)
            code = proc.wait()
        if code != 0:
            tail = (self.logs / f"{name}.log").read_text(errors="replace")[-800:]
            raise RuntimeError(f"{' '.join(command[2:5])} exited {code}: {tail}")
        return time.perf_counter() - started, spans

    def kill_during(
        self,
        command: list[str],
        name: str,
        watch: Callable[[], bool],
        kind: str,
        *,
        at_write_start: bool = False,
    ) -> tuple[float, bool] | None:
        """Start ``command`` and SIGKILL it: half the time at a random moment of the whole
        run, half the time a random moment into one of its writes (while ``watch()`` holds,
        as timed on a clean run). ``at_write_start`` kills the moment a random write begins.
        (seconds, mid-write), or None when the process finished first (then nothing was
        killed)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        whole, writes = self.timing[kind]
        if at_write_start and writes:
            target: int | None = self.rng.randrange(len(writes))
            delay = 0.0
        else:
            target = self.rng.randrange(len(writes)) if writes and self.rng.random() < 0.5 else None
            delay = self.rng.uniform(0.0, whole if target is None else writes[target])
        with (self.logs / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(command, env=self.env(), stdout=log, stderr=log)
            started = time.perf_counter()
            if target is not None:
                _wait_for_write(proc, watch, target + 1)
            deadline = time.perf_counter() + delay
            while proc.poll() is None and time.perf_counter() < deadline:
                time.sleep(0.001)
            mid = watch()
            if proc.poll() is not None:
                return None
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        return time.perf_counter() - started, mid

    # ------------------------------------------------------------------ setup
    def prepare(self) -> None:
        """Write both input versions, ingest each once (their digests are the only
        acceptable catalogs) and train the models once, timing each kind's writes."""
        full = write_files("planted-books", self.home / "input" / "full")
        self.versions = {"full": full, "smaller": _subset(full, self.home / "input" / "smaller")}
        for version in ("smaller", "full"):
            command = self.command("ingest", version)
            self.timing["ingest"] = self.run_clean(
                command, f"prepare-ingest-{version}", self._watch("ingest")
            )
            self.digests[version] = catalog_digest(self.catalog_path)
        self.timing["train"] = self.run_clean(
            self.command("train"), "prepare-train", self._watch("train")
        )

    def _written(self, kind: str) -> Path:
        """The folder ``kind``'s writer writes into."""
        return self.catalog_path.parent if kind == "ingest" else self.models_dir

    def _watch(self, kind: str) -> Callable[[], bool]:
        """Whether a write has a temporary entry now. Entries a killed run left behind are
        there from the start and are not writes of the next run: only new ones count."""
        directory = self._written(kind)
        before = set(temp_entries(directory))
        return lambda: any(p not in before for p in temp_entries(directory))

    # ------------------------------------------------------------------ kinds
    def run_kind(self, kind: str, kills: int, *, mid_write: int = 0) -> KindReport:
        """``kills`` kills of ``kind``. Writes last milliseconds, so a kill timed from a
        clean run can miss them all; when fewer than ``mid_write`` landed inside one, more
        kills are made the moment a write begins (at most ``kills`` more tries)."""
        if kind == "store":
            from .crash_store import store_kills

            return store_kills(self, kills)
        report = KindReport(kind)
        attempts = 0
        while len(report.kills) < kills:
            attempts += 1
            if attempts > kills * 4:
                report.notes.append(f"gave up after {attempts - 1} attempts")
                break
            self._kill_once(report)
        extra = 0
        while report.mid_write < mid_write and extra < kills:
            extra += 1
            self._kill_once(report, at_write_start=True)
        if report.mid_write < mid_write:
            report.notes.append(f"{report.mid_write} mid-write kills after {extra} more tries")
        self.run_clean(self.command(kind, "full"), f"{kind}-final")
        report.leftovers = len(temp_entries(self._written(kind)))
        return report

    def _kill_once(self, report: KindReport, *, at_write_start: bool = False) -> None:
        kind = report.kind
        version = ("smaller", "full")[len(report.kills) % 2]
        name = f"{kind}-{len(report.kills)}"
        outcome = self.kill_during(
            self.command(kind, version), name, self._watch(kind), kind,
            at_write_start=at_write_start,
        )  # fmt: skip
        if outcome is None:
            report.finished_first += 1
            return
        after, mid = outcome
        check = self.check_catalog if kind == "ingest" else self.check_models
        report.kills.append(Kill(kind, len(report.kills), after, mid, check()))

    # ------------------------------------------------------------------ checks
    def check_catalog(self) -> str | None:
        """The catalog opens, answers a search and is one of the two complete versions."""
        try:
            digest = catalog_digest(self.catalog_path)
            with Catalog.open(self.catalog_path) as catalog:
                found = catalog.query(
                    "SELECT item_id FROM items WHERE list_contains(language, ?) AND price <= ?"
                    " LIMIT 5",
                    ["French", 20],
                )
                stats = catalog.stats()
        except Exception as exc:
            return f"catalog unusable: {type(exc).__name__}: {exc}"
        if digest not in self.digests.values():
            return f"catalog is neither complete version ({stats.n_items} items)"
        if not found:
            return "catalog answered the search with nothing"
        return None

    def check_models(self) -> str | None:
        """Every model loads from its artifact (manifest verified) and recommends."""
        try:
            with home_env(self.home), Catalog.open(self.catalog_path) as catalog:
                data = catalog.interactions()
                for name in MODELS:
                    path = artifact_dir(name, data, key=CATALOG, config=make_config(name))
                    model = load_artifact(model_class(name), path)
                    if model.n_items != data.n_items:
                        return f"{name}: artifact has {model.n_items} items, data {data.n_items}"
                    picks, _ = top_k(model.score([[0, 1, 2]])[0], 10)
                    if len(picks) == 0:
                        return f"{name}: loaded but recommends nothing"
        except Exception as exc:
            return f"models unusable: {type(exc).__name__}: {exc}"
        return None


def _wait_for_write(proc: subprocess.Popen[bytes], watch: Callable[[], bool], nth: int) -> None:
    """Return once the ``nth`` write has begun (``watch()`` turned true ``nth`` times)."""
    seen, present = 0, False
    while proc.poll() is None:
        now = watch()
        seen += now and not present
        present = now
        if seen >= nth:
            return
        time.sleep(0.001)


def summary_table(reports: list[KindReport]) -> str:
    """The Markdown table: kind, kills, mid-write kills, held, failed, leftovers."""
    lines = [
        "| kind | kills | killed mid-write | held | failed | leftovers after next run |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in reports:
        lines.append(
            f"| {r.kind} | {len(r.kills)} | {r.mid_write} | {r.held} | {r.failed} | {r.leftovers} |"
        )
    return "\n".join(lines)
