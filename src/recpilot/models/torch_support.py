"""What the torch models share: the intra-op thread count for one fit or scoring call, and
their weights as the flat arrays a model artifact stores."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

from recpilot.errors import ModelError

STATE_PREFIX = "net."  # artifact array names of the network's weights


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch threads (``None``: leave torch's setting alone);
    torch's setting is process-wide, so it is restored after."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def module_state(net: nn.Module) -> dict[str, np.ndarray]:
    """``net``'s weights as artifact arrays."""
    return {STATE_PREFIX + k: v.detach().numpy() for k, v in net.state_dict().items()}


def load_module_state(net: nn.Module, arrays: dict[str, np.ndarray], model: str) -> None:
    """Load artifact arrays into ``net``; ModelError naming ``model`` when they do not fit."""
    state = {
        k.removeprefix(STATE_PREFIX): torch.from_numpy(np.array(v))
        for k, v in arrays.items()
        if k.startswith(STATE_PREFIX)
    }
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:  # missing/unexpected keys or wrong shapes
        raise ModelError(f"{model} artifact does not match its config: {exc}") from exc
