"""Suite-wide checks. With ``RECPILOT_REQUIRE_LLM_TESTS=1`` (CI), a run in which no test
marked ``llm`` passed fails: the real embedded model must have been exercised, not skipped."""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

_PASSED_LLM = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_PASSED_LLM] = 0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call" and report.passed and item.get_closest_marker("llm"):
        item.config.stash[_PASSED_LLM] += 1
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("RECPILOT_REQUIRE_LLM_TESTS") != "1" or exitstatus != 0:
        return
    if session.config.stash[_PASSED_LLM] == 0 and not session.config.option.markexpr:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nRECPILOT_REQUIRE_LLM_TESTS=1 but no test marked 'llm' passed (were they skipped?)")
