"""Model names → classes. Imports are lazy so that asking for ``pop`` never loads torch."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from recpilot.errors import ConfigError

from .base import ModelConfig, Recommender

_NAMES = (
    "pop", "itemknn", "ease", "slim", "gfcf", "bspm", "als", "bpr", "multvae", "recvae",
    "sasrec", "text", "ensemble",
)  # fmt: skip


def model_names() -> list[str]:
    """Every registered model name, in a stable order (cheap baselines first)."""
    return list(_NAMES)


def model_class(name: str) -> type[Recommender]:
    """The class registered under ``name``; ConfigError listing valid names otherwise."""
    match name:
        case "pop":
            from .popularity import Popularity

            return Popularity
        case "itemknn":
            from .itemknn import ItemKNN

            return ItemKNN
        case "ease":
            from .ease import EASE

            return EASE
        case "slim":
            from .slim import SLIM

            return SLIM
        case "gfcf":
            from .gfcf import GFCF

            return GFCF
        case "bspm":
            from .bspm import BSPM

            return BSPM
        case "als":
            from .implicit_mf import ALS

            return ALS
        case "bpr":
            from .implicit_mf import BPR

            return BPR
        case "multvae":
            from .multvae import MultVAE

            return MultVAE
        case "recvae":
            from .recvae import RecVAE

            return RecVAE
        case "sasrec":
            from .sasrec import SASRec

            return SASRec
        case "text":
            from .text import TextEmbedding

            return TextEmbedding
        case "ensemble":
            from .ensemble import Ensemble

            return Ensemble
    raise ConfigError(f"unknown model {name!r}; valid names: {', '.join(_NAMES)}")


def make_config(name: str, **overrides: Any) -> ModelConfig:
    """The config of model ``name`` with ``overrides`` applied (ConfigError if invalid)."""
    cls = model_class(name)
    try:
        return cls.config_class(**overrides)
    except ValidationError as exc:
        fields = ", ".join(cls.config_class.model_fields)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(
            f"bad settings for model {name!r}: {problems} (settable fields: {fields or 'none'})"
        ) from None


def make_model(name: str, **config_overrides: Any) -> Recommender:
    """An unfitted model ``name`` with its config's fields overridden."""
    return model_class(name)(make_config(name, **config_overrides))
