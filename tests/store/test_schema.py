"""The Alembic migration builds exactly the schema that models.py declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from dashboard.store import Store
from dashboard.store.models import Base
from dashboard.store.schema import alembic_config

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_upgrade_builds_the_schema_of_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
        assert ctx.get_current_revision() == HEAD
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrade_twice_is_a_no_op(store: Store) -> None:
    store.upgrade()
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == HEAD


def test_migrations_form_one_line_up_to_the_alert_outbox() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert [r.revision for r in script.walk_revisions()] == [
        "0011",
        "0010",
        "0009",
        "0008",
        "0007",
        "0006",
        "0005",
        "0004",
        "0003",
        "0002",
        "0001",
    ]


def test_upgrade_from_0001_keeps_source_state(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from sqlalchemy import text

    old = Store(f"sqlite:///{tmp_path}/old.db")
    old.upgrade("0001")
    cursor = datetime(2026, 11, 1, tzinfo=UTC)
    with old.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO source_state (source, cursor, paused) VALUES ('sim', :c, 1)"),
            {"c": cursor.replace(tzinfo=None)},
        )
    old.upgrade()
    state = old.source_state("sim")
    assert state is not None
    assert (state.cursor, state.paused, state.run_requested_at) == (cursor, True, None)
    old.request_run("sim", cursor)
    assert old.take_run_requests() == ["sim"]
    assert old.take_run_requests() == []
    old.dispose()
