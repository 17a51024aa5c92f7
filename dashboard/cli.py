"""The `cityops` command: demo, serve, scheduler, db upgrade, backfill, ingest, sources,
simulate, export-pdf."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, tzinfo
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dashboard import commands
from dashboard.areas import Areas
from dashboard.auth.manage import CLI_ACTOR
from dashboard.cli_pdf import export_pdf_cmd
from dashboard.cli_simulate import simulate_cmd
from dashboard.cli_users import token_group, user_group
from dashboard.config import PROJECT_ROOT, Config, ConfigError, SourceConfig, load_config
from dashboard.pipeline import backfill, run_source, utcnow
from dashboard.store import Store
from data_sources.base import PushConnector, check_sources, create

console = Console(stderr=True, soft_wrap=True)


class Context:
    """What every command needs, built once from the --config option."""

    def __init__(self, config_path: str | None, overrides: dict[str, Any] | None = None) -> None:
        self.config_path = config_path
        self.overrides = overrides or {}
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            config = load_config(self.config_path, overrides=self.overrides)
            check_sources(config)  # unknown types and keys fail at start; nothing connects
            self._config = config
        return self._config

    def store(self, upgrade: bool = True) -> Store:
        store = Store(self.config.database_url, echo=self.config.database.echo)
        if upgrade:
            store.upgrade()
        return store


def _fail(message: str) -> None:
    console.print(f"[bold red]cityops:[/] {escape(message)}", highlight=False)
    sys.exit(2)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            _fail(str(exc))


@click.group(cls=_Group)
@click.option("--config", "config_path", envvar=None, default=None, help="Path to cityops.toml.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """cityops: the smart-city operations center."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request; runs say enough
    ctx.obj = Context(config_path)


def demo_history_days(now: datetime, days: float, tz: tzinfo) -> float:
    """The demo's history in days: `days` and one local day more, from the local midnight
    starting the day before now − `days`. A week ago then has last week's whole day behind
    it (today's energy is compared with last week's since its local midnight) and the hours
    before it (a VN_AQI Nowcast needs them), so every tile compares from the first refresh."""
    day = (now - timedelta(days=days)).astimezone(tz).date() - timedelta(days=1)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return (now - start).total_seconds() / 86400


def _backfill_all(
    cx: Context,
    store: Store,
    days: float,
    source: str | None = None,
    resume: bool = False,
    extra_day: bool = False,
    simulated_only: bool = False,
) -> None:
    from dashboard.scheduler import HeldLease

    config = cx.config
    areas = Areas.from_config(config)
    now = utcnow()
    if extra_day:
        days = demo_history_days(now, days, config.city.tz)
    chosen = [config.source(source)] if source else [s for s in config.sources if s.enabled]
    if simulated_only:
        # A live feed (an Orion, a broker) has no past to replay: asked for last week it hands
        # its current state again, chunk after chunk, each refused as "in the future". It
        # starts at its first scheduled run instead.
        chosen = [s for s in chosen if s.type == "simulator"]
    if not chosen:
        return  # nothing to backfill: no lease to wait for (a restarted demo's is still held)
    with HeldLease(store, config, "cli-backfill") as held:
        if not held:
            _fail("a scheduler is running these sources; stop it before a backfill")
        for settings in chosen:
            _backfill_one(store, config, areas, settings, days, now, resume)


def _backfill_one(
    store: Store,
    config: Config,
    areas: Areas,
    settings: SourceConfig,
    days: float,
    now: datetime,
    resume: bool,
) -> None:
    connector = create(settings, config)
    try:
        with Progress(
            TextColumn(f"backfill {settings.name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task(settings.name, total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            outcome = backfill(
                store, connector, areas, days=days, now=now, resume=resume, progress=progress
            )
    finally:
        connector.close()
    if outcome.status != "ok":
        _fail(f"backfill of {settings.name} failed: {outcome.error}")
    console.print(
        f"{settings.name}: stored {outcome.rows:,} rows, quarantined {outcome.rejected:,} "
        f"in {(outcome.ended_at - outcome.started_at).total_seconds():.1f} s"
    )


main.add_command(user_group)
main.add_command(token_group)
main.add_command(simulate_cmd)
main.add_command(export_pdf_cmd)


@main.group()
def db() -> None:
    """Database commands."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(cx: Context) -> None:
    """Create or migrate the store's schema to the newest version."""
    cx.store(upgrade=True)
    console.print(f"database at {cx.config.database_url} is up to date")


@main.command("backfill")
@click.option("--days", type=click.FloatRange(min=0.01), default=7, show_default=True)
@click.option("--source", default=None, help="Only this source (default: every enabled one).")
@click.pass_obj
def backfill_cmd(cx: Context, days: float, source: str | None) -> None:
    """Fetch and store N days of history for the sources (not while a scheduler runs them)."""
    _backfill_all(cx, cx.store(), days, source)


@main.command("ingest")
@click.argument("source")
@click.option("--wait", type=float, default=120, show_default=True, help="Seconds to wait for it.")
@click.pass_obj
def ingest_cmd(cx: Context, source: str, wait: float) -> None:
    """Run one source once, now.

    Runs of one source never overlap: with no scheduler active this command takes the
    scheduler's lease for the run; with one active, it asks that scheduler to run the source
    (as "run now" on /sources does) and waits for the outcome.
    """
    from dashboard.scheduler import HeldLease

    settings = cx.config.source(source)
    store = cx.store()
    with HeldLease(store, cx.config, "cli-ingest") as held:
        if held:
            connector = create(settings, cx.config)
            if isinstance(connector, PushConnector):
                connector.close()
                _fail(
                    f"{source} is a push source ({settings.type}): its broker delivers to the "
                    "subscription the scheduler holds; run `cityops scheduler` (or `cityops "
                    "demo`) and watch it on /sources"
                )
            try:
                outcome = run_source(store, connector, Areas.from_config(cx.config))
            finally:
                connector.close()
            if outcome.status != "ok":
                _fail(f"{source}: {outcome.error}")
            console.print(
                f"{source}: stored {outcome.rows:,} rows, quarantined {outcome.rejected:,}"
            )
            return
    asked = utcnow()
    commands.run_source_now(store, asked, CLI_ACTOR, source)
    console.print(f"a scheduler is active; asked it to run {source} now")
    run = _wait_for_run(store, source, asked, wait)
    if run is None:
        _fail(f"{source}: no run finished within {wait:.0f} s (is the source paused or disabled?)")
    elif run.status != "ok":
        _fail(f"{source}: {run.error}")
    else:
        console.print(f"{source}: stored {run.rows:,} rows, quarantined {run.rejected:,}")


def _wait_for_run(store: Store, source: str, after: datetime, wait: float) -> Any:
    """The first finished run of `source` started at or after `after`, or None after `wait` s."""
    from dashboard.queries.sources import run_history

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with store.read_session() as session:
            runs = run_history(session, source, 5)
        done = runs[(runs["started_at"] >= after) & runs["ended_at"].notna()]
        if len(done):
            return done.iloc[-1]
        time.sleep(0.5)
    return None


@main.command("sources")
@click.pass_obj
def sources_cmd(cx: Context) -> None:
    """Each source's health as a table."""
    from dashboard.queries.sources import source_health

    store = cx.store()
    with store.read_session() as session:
        rows = source_health(session, cx.config, utcnow())
    tz = cx.config.city.tz
    table = Table(title=f"cityops sources — {cx.config.city.name}")
    for col in ("source", "type", "health", "last run", "rows", "rejected", "data age", "next run"):
        table.add_column(col)

    def local(ts: datetime | None) -> str:
        return ts.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if ts else "—"

    for r in rows:
        age = f"{r.age_s:,.0f} s" if r.age_s is not None else "—"
        table.add_row(
            r.name,
            r.type,
            str(r.health),
            local(r.last_run_started),
            f"{r.rows or 0:,}",
            f"{r.rejected or 0:,}",
            age,
            "due" if r.due else local(r.next_run),
        )
        if r.last_error:
            table.add_row("", "", f"[red]{r.last_error[:100]}[/]", "", "", "", "", "")
    Console(width=140).print(table)


def _serve(cx: Context, store: Store, host: str, port: int) -> None:
    from dashboard.app import create_app

    if cx.config.secret_key() is None:
        _fail(
            "auth.secret_key: no secret key; set [auth] secret_key_file (a file of 32+ random "
            "characters) or CITYOPS_SECRET_KEY"
        )
    if store.accounts.count_users() == 0 and not cx.config.auth.public:
        console.print(
            "[yellow]no accounts yet:[/] create the first admin with "
            "`cityops user add NAME --role admin`"
        )

    app = create_app(cx.config, store)
    console.print(f"cityops serving {cx.config.city.name} on http://{host}:{port}/")
    app.run(host=host, port=port, debug=False, threaded=True)


@main.command("serve")
@click.option("--host", default=None, help="Default: [server].host.")
@click.option("--port", type=int, default=None, help="Default: [server].port.")
@click.pass_obj
def serve_cmd(cx: Context, host: str | None, port: int | None) -> None:
    """Serve the dashboard (no scheduler; run `cityops scheduler` beside it)."""
    _serve(cx, cx.store(), host or cx.config.server.host, port or cx.config.server.port)


def _start_scheduler(cx: Context, store: Store, standby: bool = False) -> Any:
    from dashboard.scheduler import CityScheduler

    scheduler = CityScheduler(cx.config, store, Areas.from_config(cx.config), standby=standby)
    scheduler.start()
    return scheduler


@main.command("scheduler")
@click.option(
    "--standby",
    is_flag=True,
    help="Start as the standby: leave the lease to a scheduler started beside it for the "
    "first lease period, then take over whenever the leader stops renewing it.",
)
@click.pass_obj
def scheduler_cmd(cx: Context, standby: bool) -> None:
    """Run the scheduler alone (one active per store; others stand by)."""
    store = cx.store()
    scheduler = _start_scheduler(cx, store, standby)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    lease = cx.config.scheduler
    role = "as the standby" if standby else "(leads when the lease is free)"
    console.print(
        f"scheduler {scheduler.holder} started {role}; lease {lease.lease_s:g} s, looked at "
        f"every {lease.renew_every_s:g} s: a standby takes over within "
        f"{lease.takeover_s:g} s of its leader's end. Ctrl-C stops it"
    )
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown()


@main.command("demo")
@click.option(
    "--days",
    type=click.FloatRange(min=0),
    default=7,
    show_default=True,
    help="Days of simulated history (simulator sources only), and one local day more (from the local midnight "
    "before), so every tile has its week-ago comparison at once; 0: none.",
)
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.pass_obj
def demo_cmd(cx: Context, days: float, host: str | None, port: int | None) -> None:
    """Set up the store, backfill simulated history, serve the dashboard with the scheduler."""
    from dashboard.cli_users import DEMO_ADMIN, ensure_demo_admin, ensure_secret_file

    cx.overrides["demo"] = True
    # The demo serves plain HTTP on this machine; its key is made once and kept under var/.
    auth: dict[str, Any] = {"secure_cookies": False}
    if load_config(cx.config_path).secret_key() is None:
        auth["secret_key_file"] = ensure_secret_file(PROJECT_ROOT / "var" / "secret_key")
    cx.overrides["auth"] = auth
    store = cx.store()
    password = ensure_demo_admin(store)  # the only default account, and only in demo mode
    if password is not None:
        console.print(
            f"demo admin created: user [bold]{DEMO_ADMIN}[/], password [bold]{escape(password)}[/]"
            " (shown only now)"
        )
    else:
        console.print(f"demo admin: {DEMO_ADMIN} (change its password: cityops user passwd demo)")
    if days > 0:
        _backfill_all(cx, store, days, resume=True, extra_day=True, simulated_only=True)
    scheduler = _start_scheduler(cx, store)
    try:
        _serve(cx, store, host or cx.config.server.host, port or cx.config.server.port)
    finally:
        scheduler.shutdown()
