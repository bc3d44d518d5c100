"""deploy/compose.yaml stays in step with the code: every recpilot variable it sets is one the
code reads, and the API command is a ``recpilot serve`` command line the CLI accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from recpilot.cli import app
from recpilot.llm.deadline import ENV_DEADLINE
from recpilot.llm.spec import ENV_API_KEY, ENV_BASE_URL
from recpilot.memory.store import ENV_DATABASE_URL
from recpilot.server.settings import ENV_KEYS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_the_api_service_sets_only_variables_the_code_reads() -> None:
    env = _compose()["services"]["api"]["environment"]
    known = {ENV_DATABASE_URL, ENV_BASE_URL, ENV_API_KEY, ENV_KEYS, ENV_DEADLINE}
    assert set(env) == known


def test_the_api_command_is_a_serve_command_line_the_cli_accepts() -> None:
    api = _compose()["services"]["api"]
    argv = [a.replace("${RECPILOT_WORKERS:-4}", "4") for a in api["command"]]
    assert argv[:2] == ["recpilot", "serve"] and "--workers" in argv
    # Parse it for real (an unknown or misspelt option fails here); --help stops before serving.
    result = CliRunner().invoke(app, [*argv[1:], "--help"])
    assert result.exit_code == 0, result.output
    names = {a for a in argv if a.startswith("--")}
    assert all(name in result.output for name in names)


def test_the_proxy_and_the_prepare_step_point_at_real_files() -> None:
    services = _compose()["services"]
    assert (DEPLOY / "nginx.conf").is_file()
    assert services["proxy"]["volumes"][0].startswith("./nginx.conf:")
    assert services["prepare"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / "Dockerfile").is_file()
    assert "api:8000" in (DEPLOY / "nginx.conf").read_text()
