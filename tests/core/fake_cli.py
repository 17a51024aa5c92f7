"""`python -m tests.core.fake_cli ARGS`: the real `cityops` command with the test connectors
of `tests.core.fakes` registered, for tests that run it as a process of its own."""

from __future__ import annotations

from data_sources import base

base.BUILTIN_KINDS.update(
    {"ticker": "tests.core.fakes:TickerSource", "slow": "tests.core.fakes:SlowSource"}
)

if __name__ == "__main__":
    from dashboard.cli import main

    main()
