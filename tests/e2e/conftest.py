"""`make demo` for real: `python -m tools.demo` as a subprocess on free loopback ports
with a data folder, key ring and read model of its own, shared by every test in this
folder."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120
STOP_SECONDS = 40


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_ports(n: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < n:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


@dataclass(frozen=True)
class Demo:
    temporal_port: int
    ui_port: int
    codec_port: int
    data_dir: Path
    key_file: Path
    output: Path
    env: dict[str, str]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def ui(self) -> str:
        # The same host name as the codec server's, so its SameSite=Lax cookie goes along.
        return f"http://localhost:{self.ui_port}"

    @property
    def codec(self) -> str:
        return f"http://localhost:{self.codec_port}"

    def starter(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """`python starter.py ARGS` as an operator would run it beside this demo."""
        return subprocess.run(
            [sys.executable, "starter.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def temporal(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """The `temporal` CLI against this demo's server, with no codec."""
        env = {k: v for k, v in self.env.items() if not k.startswith("TEMPORAL_CODEC")}
        return subprocess.run(
            [str(Path(sys.executable).parent / "temporal"), *args, "--address", self.address],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def demo_env(data_dir: Path, temporal_port: int, ui_port: int, codec_port: int) -> dict[str, str]:
    """The caller's environment without anything of the test session's own (its key
    ring, its read model, any Temporal or Casework setting), plus the demo's ports."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TEMPORAL_", "CASEWORK_")) and k != "DATABASE_URL"
    }
    return {
        **inherited,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "CASEWORK_UI_PORT": str(ui_port),
        "CASEWORK_CODEC_PORT": str(codec_port),
        "CASEWORK_DATA_DIR": str(data_dir),
        "CASEWORK_KEY_FILE": str(data_dir / "keys" / "casework-keys.json"),
        "COLUMNS": "200",
    }


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (the demo starts each child in its own session)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a service manager would: the demo stops what it started. If it
    hangs, its children and then its own process group are killed."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_SECONDS)
        return
    except subprocess.TimeoutExpired:
        pass
    for child in _children(proc.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A running demo; yields its ports and paths. The data folder does not exist
    beforehand: the demo makes it, the key ring and the read model."""
    root = tmp_path_factory.mktemp("demo")
    data_dir = root / "data"
    temporal_port, ui_port, codec_port = free_ports(3)
    env = demo_env(data_dir, temporal_port, ui_port, codec_port)
    output = root / "demo-output.txt"
    with output.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tools.demo"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while "Running." not in output.read_text(errors="replace"):
            if proc.poll() is not None:
                pytest.fail(
                    f"tools/demo.py exited with {proc.returncode} before it was running:\n"
                    + output.read_text(errors="replace")
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"tools/demo.py was not running after {STARTUP_SECONDS} s:\n"
                    + output.read_text(errors="replace")
                )
            time.sleep(0.25)
        yield Demo(
            temporal_port=temporal_port,
            ui_port=ui_port,
            codec_port=codec_port,
            data_dir=data_dir,
            key_file=Path(env["CASEWORK_KEY_FILE"]),
            output=output,
            env=env,
        )
    finally:
        _stop(proc)
