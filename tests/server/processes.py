"""Real ``recpilot serve`` processes for tests: start one on a loopback port over a given
memory store, wait until it is ready, stop it politely or with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from recpilot.server.testing import ADMIN_KEY, free_port

CLI = [sys.executable, "-c", "from recpilot.cli import main; main()"]


def cli_env(home: str) -> dict[str, str]:
    env = {**os.environ, "RECPILOT_HOME": home, "HF_HUB_OFFLINE": "1"}
    env.pop("RECPILOT_DATABASE_URL", None)
    return env


def run_cli(home: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``recpilot ARGS`` in a fresh process."""
    return subprocess.run(
        [*CLI, *args], env=cli_env(home), capture_output=True, text=True, timeout=timeout
    )


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, nothing."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def serve(
    home: str,
    db: str,
    dataset: str,
    log: Path,
    *,
    timeout_s: float = 120.0,
    threads: int = 2,
    workers: int = 1,
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Served:
    """Start ``recpilot serve`` (``workers`` processes of ``threads`` turn threads each) and
    wait until ``/readyz`` says ready."""
    port = free_port()
    env = cli_env(home) | {"RECPILOT_API_KEYS": f"{ADMIN_KEY}:*"} | (env or {})
    args = ["serve", "--port", str(port), "--dataset", dataset, "--embedder", "hashing"]
    args += ["--db", db, "--threads", str(threads), "--workers", str(workers), *extra]
    handle = log.open("wb")
    proc = subprocess.Popen([*CLI, *args], env=env, stdout=handle, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"recpilot serve exited {proc.returncode}: {log.read_text()[-2000:]}"
            )
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return Served(proc, base, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"recpilot serve not ready in {timeout_s} s: {log.read_text()[-2000:]}")
