"""Starts and stops the system's processes: broker, services, simulated gateway.

Used by ``klimaby run`` and by the end-to-end tests, so that the tests exercise what a user runs.
Every child gets its own process group and is stopped by PID, never by name.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.registry import SERVICES
from shared.process import die_with_parent


def stop_on_signals() -> None:
    """Make SIGINT and SIGTERM both stop the caller, by raising KeyboardInterrupt in it.

    Explicit for SIGINT too: a process started in the background by a non-interactive shell
    (``klimaby run &`` in a script, CI) inherits SIGINT ignored, and Python installs no
    KeyboardInterrupt handler of its own then, so ``kill -INT`` would do nothing. A second
    signal while stopping is ignored, so that the cleanup (children stopped by PID) finishes.
    """
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        entry = SERVICES[self.name]
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                entry.app_factory,
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
                "--no-server-header",
                "--timeout-graceful-shutdown",
                "5",
            ],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        last_error = ""
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            try:
                r = httpx.get(self.url + "/readyz", timeout=2)
                if r.status_code == 200:
                    return
                last_error = r.text
            except httpx.HTTPError as exc:
                last_error = str(exc)
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout_s}s: {last_error}")

    def kill(self) -> None:
        """SIGKILL: the process dies mid-whatever, as in a crash."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout_s: float = 10.0) -> None:
        if not self.process or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class System:
    """The four services sharing one broker and one database server.

    ``replicas`` runs more processes of a service (``{"inventory": 2}``): each replica is the
    same app on a port of its own (``ports["inventory-2"]``, else a free one), in the service's
    consumer group, so the group's partitions are shared among them and a replica that dies
    hands its partitions to the others. Its key in ``services`` is ``<name>-<n>`` from 2 on.
    Only the first sensors process bridges MQTT (one subscriber per gateway topic)."""

    env: Mapping[str, str]
    ports: Mapping[str, int]
    log_dir: Path | None = None
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    replicas: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from shared.broker import free_port

        first = {name: self.ports.get(name) or free_port() for name in SERVICES}
        # Every process knows every service's port: the docs landing page links them.
        ports_env = {f"{name.upper()}_PORT": str(port) for name, port in first.items()}
        for name in SERVICES:
            for n in range(1, max(1, self.replicas.get(name, 1)) + 1):
                key = name if n == 1 else f"{name}-{n}"
                port = first[name] if n == 1 else self.ports.get(key) or free_port()
                env = {**os.environ, **self.env, **ports_env}
                env[f"{name.upper()}_PORT"] = str(port)
                # The deny list is served by the inventory, wherever this run put it.
                env.setdefault(
                    "KLIMABY_REVOCATIONS_URL",
                    f"http://127.0.0.1:{first['inventory']}/oidc/revocations",
                )
                if n > 1 and name == "sensors":
                    env["SENSORS_MQTT_ENABLED"] = "false"
                self.services[key] = ServiceProcess(
                    name,
                    port,
                    env,
                    self.log_dir / f"{key}.log" if self.log_dir else None,
                )

    def replicas_of(self, name: str) -> list[ServiceProcess]:
        return [svc for svc in self.services.values() if svc.name == name]

    def start(self, timeout_s: float = 60.0) -> None:
        for svc in self.services.values():
            svc.start()
        for svc in self.services.values():
            svc.wait_ready(timeout_s)

    def stop(self) -> None:
        for svc in self.services.values():
            svc.stop()

    def url(self, name: str) -> str:
        return self.services[name].url
