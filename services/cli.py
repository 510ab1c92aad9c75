"""The ``klimaby`` command line: run the system, migrate, seed, start the broker, issue tokens."""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from services.inventory.imports.commands import app as import_app
from services.registry import SERVICE_NAMES, SERVICES

# Heavy modules (SQLAlchemy, Alembic, FastAPI, the services) are imported inside the commands
# that need them, so that `klimaby --help` and `klimaby token` answer at once.

app = typer.Typer(
    help="Klimaby: live GHG accounting for climate-neutral cities.", no_args_is_help=True
)

ServicesArg = Annotated[
    list[str] | None, typer.Argument(help=f"Services (default: all of {', '.join(SERVICE_NAMES)})")
]


def _selected(services: list[str] | None) -> list[str]:
    chosen = services or list(SERVICE_NAMES)
    unknown = [s for s in chosen if s not in SERVICES]
    if unknown:
        raise typer.BadParameter(f"unknown service(s): {', '.join(unknown)}")
    return chosen


async def migrate_services(names: list[str]) -> None:
    from shared.db import Database
    from shared.migrations import upgrade

    for name in names:
        entry = SERVICES[name]
        settings = entry.settings()
        db = Database(settings.effective_database_url, settings.effective_database_schema)
        try:
            await upgrade(db, entry.migrations_dir)
        finally:
            await db.dispose()


async def seed_services(names: list[str], demo: bool) -> None:
    from shared.db import Database

    for name in names:
        entry = SERVICES[name]
        try:
            module = importlib.import_module(f"{entry.module}.seed")
        except ModuleNotFoundError:
            continue
        settings = entry.settings()
        db = Database(settings.effective_database_url, settings.effective_database_schema)
        try:
            await module.seed(db, demo=demo)
        finally:
            await db.dispose()


@app.command()
def migrate(services: ServicesArg = None) -> None:
    """Bring each service's database to its newest migration."""
    names = _selected(services)
    asyncio.run(migrate_services(names))
    typer.echo(f"migrated: {', '.join(names)}")


@app.command()
def seed(
    services: ServicesArg = None,
    demo: Annotated[bool, typer.Option(help="Add demo partners and MoUs too")] = False,
) -> None:
    """Load reference data (cities, emission factors); idempotent."""
    names = _selected(services)
    asyncio.run(seed_services(names, demo))
    typer.echo(f"seeded: {', '.join(names)}")


@app.command()
def makemigration(
    service: Annotated[str, typer.Argument()], message: Annotated[str, typer.Option("-m")]
) -> None:
    """Autogenerate a migration for a service (developer tool; needs a migrated database)."""
    from shared.db import Database
    from shared.migrations import revision as make_revision

    entry = SERVICES[_selected([service])[0]]
    settings = entry.settings()
    db = Database(settings.effective_database_url, settings.effective_database_schema)
    asyncio.run(migrate_services([service]))
    make_revision(entry.migrations_dir, db, message)


@app.command()
def broker(
    port: Annotated[int | None, typer.Option(help="Port (default: a free one)")] = None,
) -> None:
    """Run the embedded Tansu broker in the foreground until Ctrl-C."""
    from shared.broker import start_broker

    b = start_broker(port)
    typer.echo(f"broker pid {b.pid} at {b.bootstrap_servers} (memory only; Ctrl-C stops it)")
    typer.echo(f"export KAFKA_BOOTSTRAP_SERVERS={b.bootstrap_servers}")
    try:
        b.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        b.stop()


async def partner_city(partner_id: str) -> str | None:
    """The city of a partner, read from the contracts database (None: no such partner)."""
    import uuid

    from services.contracts.db import load_models
    from services.contracts.partners.models import Partner
    from shared.db import Database

    load_models()
    settings = SERVICES["contracts"].settings()
    db = Database(settings.effective_database_url, settings.effective_database_schema)
    try:
        async with db.transaction() as session:
            partner = await session.get(Partner, uuid.UUID(partner_id))
            return partner.city if partner else None
    finally:
        await db.dispose()


@app.command()
def token(
    city: Annotated[str | None, typer.Option(help="City the token may write for")] = None,
    admin: Annotated[bool, typer.Option(help="A platform admin token (every city)")] = False,
    editor: Annotated[
        bool, typer.Option(help="With --city: a city editor (drafts, no keys or partners)")
    ] = False,
    reader: Annotated[
        bool, typer.Option(help="A reader (with --city: also reads that city's drafts)")
    ] = False,
    partner: Annotated[
        str | None,
        typer.Option(
            help="A partner's id: that partner's own token (its record, its side of its MoUs, "
            "its climate accounts); its city is read from the contracts database unless --city"
        ),
    ] = None,
    member: Annotated[
        bool, typer.Option(help="A member token (no city's data; e.g. a ministry in the forum)")
    ] = False,
    subscriber: Annotated[
        bool, typer.Option(help="A hub subscriber (its own webhook subscriptions only)")
    ] = False,
    subject: Annotated[
        str | None, typer.Option(help="Who holds it (default: your login name)")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Display name for audit trails (default: none)")
    ] = None,
    days: Annotated[int, typer.Option(min=1, help="Valid for this many days")] = 30,
) -> None:
    """Issue an access token of the built-in issuer (signed with its key in
    KLIMABY_BUILTIN_KEYS_FILE, generated on first use)."""
    import getpass
    import uuid

    from shared.identity.tokens import Role, issue_token

    settings = SERVICES["inventory"].settings()
    holder = subject or getpass.getuser()
    if partner is not None:
        if admin or member or editor or reader or subscriber:
            raise typer.BadParameter("give --partner alone (with --city at most)")
        try:
            partner = str(uuid.UUID(partner))
        except ValueError:
            raise typer.BadParameter(f"not a partner id (a UUID): {partner}") from None
        known = asyncio.run(partner_city(partner))
        if known is None:
            raise typer.BadParameter(f"no partner {partner} in the contracts database")
        if city is not None and city != known:
            raise typer.BadParameter(f"partner {partner} is a partner of {known}, not {city}")
        typer.echo(
            issue_token(
                holder,
                "partner",
                known,
                days * 86400,
                partner=partner,
                name=name,
                settings=settings,
            )
        )
        return
    kinds = admin + member + subscriber + bool(city) + (reader and not city)
    if kinds != 1 or (editor and not city) or (editor and reader):
        raise typer.BadParameter(
            "give exactly one of --city (with --editor or --reader), --partner, --admin, "
            "--member, --subscriber or --reader"
        )
    role: Role = (
        "admin"
        if admin
        else "member"
        if member
        else "subscriber"
        if subscriber
        else "reader"
        if reader
        else "city_editor"
        if editor
        else "city_admin"
    )
    typer.echo(issue_token(holder, role, city, days * 86400, name=name, settings=settings))


keys_app = typer.Typer(help="The built-in issuer's signing keys.")
app.add_typer(keys_app, name="keys")


@keys_app.command("list")
def list_keys() -> None:
    """The signing keys the built-in issuer publishes (the last one signs)."""
    from shared.identity.tokens import builtin_signing_keys

    keys = builtin_signing_keys(SERVICES["inventory"].settings())
    for key in keys.all():
        typer.echo(f"{key.kid}\t{key.created_at}")


@keys_app.command("rotate")
def rotate_keys(
    retire_previous: Annotated[
        bool,
        typer.Option(
            help="Drop the previous keys at once: their tokens are refused as soon as each "
            "service refreshes the JWKS (at most KLIMABY_OIDC_JWKS_CACHE_S)"
        ),
    ] = False,
) -> None:
    """A new signing key; tokens of the previous ones stay valid unless --retire-previous."""
    import getpass

    from shared.identity.tokens import builtin_signing_keys
    from shared.observability import security_log

    keys = builtin_signing_keys(SERVICES["inventory"].settings())
    key = keys.rotate(retire_previous=retire_previous)
    security_log(
        "signing_key.rotated",
        subject=getpass.getuser(),
        kid=key.kid,
        retired_previous=retire_previous,
    )
    typer.echo(key.kid)


@app.command()
def asyncapi(output: Annotated[Path | None, typer.Option()] = None) -> None:
    """Print (or write) the AsyncAPI document of every topic."""
    from shared.events.asyncapi import asyncapi_yaml

    text = asyncapi_yaml()
    if output:
        output.write_text(text)
        typer.echo(f"wrote {output}")
    else:
        typer.echo(text)


@app.command()
def openapi(output_dir: Annotated[Path, typer.Option()] = Path("docs/openapi")) -> None:
    """Write each service's OpenAPI document as JSON."""
    import json

    output_dir.mkdir(parents=True, exist_ok=True)
    for name, entry in SERVICES.items():
        module = importlib.import_module(f"{entry.module}.main")
        spec = module.create_app().openapi()
        (output_dir / f"{name}.json").write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
        typer.echo(f"wrote {output_dir / (name + '.json')}")


@app.command()
def simulate(
    sensors_url: Annotated[str, typer.Option()] = "http://127.0.0.1:8003",
    interval: Annotated[float, typer.Option(help="Seconds between posts")] = 2.0,
    cities: Annotated[
        str, typer.Option(help="Comma-separated city slugs")
    ] = "oslo,trondheim,stavanger",
    history: Annotated[
        str,
        typer.Option(
            help="Comma-separated cities whose gateway first backfills this year's complete "
            "months and the same months of last year (one reading per sensor and day)"
        ),
    ] = "",
) -> None:
    """Run a simulated gateway per city: energy meters with a daily load profile, traffic
    counters with rush hours, posting readings to the sensors service."""
    from services.sensors.simulator import run_simulator

    asyncio.run(
        run_simulator(
            sensors_url,
            [c.strip() for c in cities.split(",")],
            interval,
            history_cities=[c.strip() for c in history.split(",") if c.strip()],
        )
    )


readings_app = typer.Typer(help="Readings: historical backfill through the ingestion API.")
app.add_typer(readings_app, name="readings")


@readings_app.command("import")
def import_readings(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV of readings")],
    api_key: Annotated[str, typer.Option(envvar="KLIMABY_API_KEY", help="The gateway's key")],
    url: Annotated[str, typer.Option(help="The sensors service")] = "http://127.0.0.1:8003",
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 5000,
) -> None:
    """Post a CSV file of historical readings (sensor_id, time or from/to, value, unit,
    reading_id) through the same pipeline as live ones, in batches, with a progress bar."""
    from rich.progress import Progress

    from services.sensors.backfill import ImportAborted, count_rows, run_import

    with Progress(transient=False) as progress:
        task = progress.add_task(f"importing {file.name}", total=count_rows(file))
        try:
            summary = asyncio.run(
                run_import(url, file, api_key, batch_size, lambda n: progress.advance(task, n))
            )
        except ImportAborted as exc:
            typer.echo(f"import stopped: {exc}", err=True)
            raise typer.Exit(1) from exc
    for row in summary.rejections[:20]:
        typer.echo(f"  line {row.line}: {row.field}: {row.reason}")
    if len(summary.rejections) > 20:
        typer.echo(f"  … and {len(summary.rejections) - 20} more rejected rows")
    typer.echo(
        f"{summary.rows} rows: {summary.accepted} accepted, {summary.duplicates} duplicate, "
        f"{summary.rejected} rejected"
    )
    if summary.rejected:
        raise typer.Exit(1)


@app.command()
def run(
    simulate_gateway: Annotated[bool, typer.Option("--simulate/--no-simulate")] = True,
    replicas: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="KLIMABY_INVENTORY_REPLICAS",
            help="inventory processes in one consumer group (they share the partitions)",
        ),
    ] = 1,
    sensors_workers: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="KLIMABY_SENSORS_WORKERS",
            help="sensors processes, each on its own port (put a load balancer in front)",
        ),
    ] = 1,
) -> None:
    """Start the broker (unless KAFKA_BOOTSTRAP_SERVERS is set), migrate, seed, start the four
    services (inventory and sensors with ``--replicas`` / ``--sensors-workers`` processes) and a
    simulated gateway; Ctrl-C stops every child process."""
    from services.supervisor import System, stop_on_signals
    from shared.broker import start_broker
    from shared.process import die_with_parent

    # First, so that a signal at any point (starting the broker, migrating, seeding) still
    # stops everything started so far.
    stop_on_signals()
    started = time.monotonic()
    log_dir = Path(os.environ.get("KLIMABY_DATA_DIR", "var")) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    broker_proc = None
    system: System | None = None
    simulator: subprocess.Popen[bytes] | None = None
    try:
        if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            port = int(os.environ.get("KLIMABY_BROKER_PORT", "9092"))
            from shared.broker import free_port

            try:
                broker_proc = start_broker(port, log_file=log_dir / "broker.log")
            except OSError:
                typer.echo(f"port {port} is taken; the embedded broker takes a free port instead")
                broker_proc = start_broker(free_port(), log_file=log_dir / "broker.log")
            os.environ["KAFKA_BOOTSTRAP_SERVERS"] = broker_proc.bootstrap_servers
            typer.echo(f"broker: Tansu pid {broker_proc.pid} at {broker_proc.bootstrap_servers}")
        else:
            typer.echo(f"broker: {os.environ['KAFKA_BOOTSTRAP_SERVERS']} (external)")

        asyncio.run(migrate_services(list(SERVICE_NAMES)))
        asyncio.run(seed_services(list(SERVICE_NAMES), demo=True))
        ports = {name: SERVICES[name].settings().effective_port for name in SERVICE_NAMES}
        # The full system bridges MQTT gateways too (Mosquitto at SENSORS_MQTT_HOST:PORT).
        os.environ.setdefault("SENSORS_MQTT_ENABLED", "true")
        # The simulated gateway backfills this year's complete months and last year's same ones
        # (up to 23 months back in December): the demo accepts history older than 400 days.
        os.environ.setdefault("SENSORS_HISTORY_HORIZON_DAYS", "800")
        # The first inventory process serves the built-in issuer: on another port than the
        # default its address (the tokens' iss, the revocation list) moves with it.
        issuer = os.environ.setdefault(
            "KLIMABY_BUILTIN_ISSUER", f"http://127.0.0.1:{ports['inventory']}/oidc"
        )
        if replicas > 1 and SERVICES["inventory"].settings().effective_database_url.startswith(
            "sqlite"
        ):
            typer.echo(
                "note: inventory replicas share one SQLite file and take turns writing; "
                "use PostgreSQL (KLIMABY_DATABASE_URL) for replicas that scale"
            )
        system = System(
            env={},
            ports=ports,
            log_dir=log_dir,
            replicas={"inventory": replicas, "sensors": sensors_workers},
        )
        system.start()
        if simulate_gateway:
            simulator = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "services.cli",
                    "simulate",
                    "--sensors-url",
                    system.url("sensors"),
                    # Oslo's demo CCC is judged on complete months against last year's.
                    "--history",
                    os.environ.get("KLIMABY_SIMULATOR_HISTORY", "oslo"),
                ],
                stdout=open(log_dir / "simulator.log", "ab"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        typer.echo(f"\nKlimaby is up in {time.monotonic() - started:.1f}s (logs in {log_dir}/)")
        for name in system.services:
            typer.echo(f"  {name:<11} {system.url(name)}/docs")
        typer.echo(f"  hub page   {system.url('hub')}/cities/oslo")
        typer.echo(f"  broker     {os.environ['KAFKA_BOOTSTRAP_SERVERS']}")
        typer.echo(
            f"  issuer     {issuer} (its tokens: `klimaby token`, same KLIMABY_BUILTIN_ISSUER)"
        )
        typer.echo("Ctrl-C (SIGINT) or SIGTERM stops everything.")
        while True:
            time.sleep(1)
            for svc in system.services.values():
                if svc.process and svc.process.poll() is not None:
                    raise RuntimeError(f"{svc.name} exited ({svc.process.returncode}); see logs")
    except KeyboardInterrupt:
        typer.echo("\nstopping…")
    finally:
        if simulator and simulator.poll() is None:
            os.killpg(simulator.pid, signal.SIGTERM)
            simulator.wait(10)
        if system is not None:
            system.stop()
        if broker_proc:
            broker_proc.stop()
        typer.echo("stopped.")


app.add_typer(import_app, name="import", help="Import CSV files (inventories, agency statistics).")


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as exc:
        # A setting that does not parse (or a secret refused in production): say which, in one
        # line, instead of a traceback.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        typer.echo(f"klimaby: configuration error: {problems}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
