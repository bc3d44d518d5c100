"""Model registry, artifact cache and ``recpilot train``."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from modeldata import block_data
from typer.testing import CliRunner

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ConfigError
from recpilot.models.artifacts import artifact_dir, data_fingerprint, train_or_load
from recpilot.models.ease import EASEConfig
from recpilot.models.registry import make_model, model_class, model_names


def test_registry_names_and_classes() -> None:
    assert model_names() == [
        "pop", "itemknn", "ease", "slim", "gfcf", "bspm", "als", "bpr", "multvae", "recvae",
        "sasrec", "text", "ensemble",
    ]  # fmt: skip
    for name in model_names():
        assert model_class(name).name == name


def test_unknown_model_lists_valid_names() -> None:
    with pytest.raises(ConfigError, match="valid names: pop, itemknn"):
        model_class("lightgcn")


def test_make_model_applies_and_validates_overrides() -> None:
    assert make_model("ease", reg=42.0).config == EASEConfig(reg=42.0)
    with pytest.raises(ConfigError, match="settable fields: reg, max_items"):
        make_model("ease", lambda_=1.0)
    with pytest.raises(ConfigError, match="reg"):
        make_model("ease", reg=-1.0)


def test_fingerprint_tracks_the_data(blocks: InteractionData) -> None:
    assert data_fingerprint(blocks) == data_fingerprint(block_data(seed=0))
    assert data_fingerprint(blocks) != data_fingerprint(block_data(seed=1))
    assert data_fingerprint(blocks) != data_fingerprint(blocks.subset(np.arange(len(blocks)) > 0))


def test_train_then_load(home, blocks: InteractionData) -> None:
    model, seconds = train_or_load("ease", blocks, key="blocks")
    assert seconds > 0
    again, seconds_again = train_or_load("ease", blocks, key="blocks")
    assert seconds_again == 0.0
    np.testing.assert_array_equal(again.score([[0, 1]]), model.score([[0, 1]]))
    path = artifact_dir("ease", blocks, key="blocks", config=model.config)
    assert path.parent == home / "models" / "blocks" and path.name.startswith("ease-")
    other = artifact_dir("ease", blocks, key="blocks", config=EASEConfig(reg=1.0))
    assert other != path  # a different config is a different artifact
    _, forced = train_or_load("ease", blocks, key="blocks", force=True)
    assert forced > 0


def test_corrupt_artifact_is_retrained(home, blocks, caplog) -> None:
    model, _ = train_or_load("itemknn", blocks, key="blocks")
    path = artifact_dir("itemknn", blocks, key="blocks", config=model.config)
    (path / "arrays.npz").write_bytes(b"not a zip file")
    with caplog.at_level(logging.WARNING, logger="recpilot.models.artifacts"):
        again, seconds = train_or_load("itemknn", blocks, key="blocks")
    assert seconds > 0
    assert "corrupt artifact" in caplog.text
    np.testing.assert_array_equal(again.score([[3]]), model.score([[3]]))
    assert train_or_load("itemknn", blocks, key="blocks")[1] == 0.0  # healthy again


def test_train_cli(home, monkeypatch, blocks: InteractionData) -> None:
    from recpilot.cli import app
    from recpilot.cli import train as train_cli

    monkeypatch.setattr(train_cli, "_load_interactions", lambda dataset: blocks)
    runner = CliRunner()
    args = ["train", "--dataset", "blocks", "--models", "pop,ease", "--set", "ease.reg=50"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "ease" in first.output and "pop" in first.output
    ease_dirs = list((home / "models" / "blocks").glob("ease-*"))
    assert len(ease_dirs) == 1
    assert '"reg": 50.0' in (ease_dirs[0] / "config.json").read_text()
    second = runner.invoke(app, args)
    assert second.exit_code == 0 and second.output.count("cached") == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--models", "pop,nope"], "unknown model"),
        (["--set", "ease.reg"], "MODEL.FIELD=VALUE"),
        (["--set", "ease.gamma=1"], "settable fields"),
    ],
)
def test_train_cli_usage_errors(home, monkeypatch, blocks, args, message) -> None:
    from recpilot.cli import train as train_cli

    monkeypatch.setattr(train_cli, "_load_interactions", lambda dataset: blocks)
    with pytest.raises(ConfigError, match=message):
        names = train_cli.parse_models(args[1] if args[0] == "--models" else "ease")
        settings = train_cli.parse_settings([args[1]] if args[0] == "--set" else [])
        train_cli.train_models(blocks, names, key="blocks", settings=settings)
