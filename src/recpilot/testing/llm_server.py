"""A real OpenAI-compatible LLM server process on this machine: llama-cpp-python's own
server (``python -m llama_cpp.server``, installed with ``recpilot[llm]``) running one of the
embedded GGUFs. recpilot talks to it exactly as to vLLM, Ollama or OpenAI (``--llm
openai:MODEL`` with ``RECPILOT_LLM_BASE_URL``), so the remote-LLM path can be tested and
demonstrated without the network::

    with llm_server("qwen2.5-coder-0.5b") as server:
        env = server.environ()   # RECPILOT_LLM_BASE_URL / RECPILOT_LLM_API_KEY for recpilot
        ...                      # recpilot ask "..." --llm openai:qwen2.5-coder-0.5b

``python -m recpilot.testing.llm_server [MODEL] [--port N]`` runs one in the foreground.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from recpilot.errors import LLMUnavailable
from recpilot.llm.weights import ensure_weights
from recpilot.server.testing import free_port

API_KEY = "sk-local-llm-server"  # the server checks it: a client without it gets 401


@dataclass(frozen=True)
class LLMServer:
    """A running server: its OpenAI base URL, the model alias it answers to, its log."""

    base_url: str
    model: str
    log: Path

    @property
    def spec(self) -> str:
        """The ``--llm`` spec that reaches it."""
        return f"openai:{self.model}"

    def environ(self) -> dict[str, str]:
        return {"RECPILOT_LLM_BASE_URL": self.base_url, "RECPILOT_LLM_API_KEY": API_KEY}


def command(weights: Path, model: str, port: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(weights),
        "--model_alias",
        model,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
        "--n_threads",
        str(threads),
        "--api_key",
        API_KEY,
    ]


@contextlib.contextmanager
def llm_server(
    model: str = "qwen2.5-coder-0.5b", *, threads: int = 2, timeout_s: float = 180.0
) -> Iterator[LLMServer]:
    """Start the server on a free port, wait until it lists its model, stop it afterwards.
    ``LLMUnavailable`` (with the server's log) when it cannot start."""
    weights = ensure_weights(model)
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="recpilot-llm-server-")) / "server.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            command(weights, model, port, threads), stdout=handle, stderr=subprocess.STDOUT
        )
    server = LLMServer(f"http://127.0.0.1:{port}/v1", model, log)
    try:
        _wait_ready(proc, server, timeout_s)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], server: LLMServer, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    headers = {"Authorization": f"Bearer {API_KEY}"}
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LLMUnavailable(
                f"llama_cpp.server exited {proc.returncode} (is 'recpilot[llm]' installed, "
                f"with its server extra?): {server.log.read_text(errors='replace')[-1500:]}"
            )
        try:
            r = httpx.get(f"{server.base_url}/models", headers=headers, timeout=5)
            if r.status_code == 200 and server.model in r.text:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise LLMUnavailable(f"llama_cpp.server did not answer within {timeout_s:g} s: {server.log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", default="qwen2.5-coder-0.5b")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    weights = ensure_weights(args.model)
    port = args.port or free_port()
    print(f"RECPILOT_LLM_BASE_URL=http://127.0.0.1:{port}/v1 RECPILOT_LLM_API_KEY={API_KEY}")
    print(f"recpilot ask '...' --llm openai:{args.model}", flush=True)
    raise SystemExit(subprocess.call(command(weights, args.model, port, args.threads)))


if __name__ == "__main__":
    main()
