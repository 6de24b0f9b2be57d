"""The supervision helpers `make up` and `make down` use (scripts/lib.sh:
start_supervised, live_supervisor, stop_supervised), run for real in bash
on `sleep`. Run with `python3 -m pytest scripts/tests`."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parent.parent / "lib.sh"


def bash(script: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f'set -euo pipefail; source "{LIB}"; cd "{folder}"; {script}'],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_for(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_supervised_program_is_restarted_and_stopped_with_its_supervisor(tmp_path: Path) -> None:
    started = bash("start_supervised sup.pid child.pid log sleeper sleep 300", tmp_path)
    assert started.returncode == 0, started.stderr
    supervisor = int((tmp_path / "sup.pid").read_text())
    first = int((tmp_path / "child.pid").read_text())
    try:
        found = bash("live_supervisor sup.pid", tmp_path)
        assert found.returncode == 0 and found.stdout == str(supervisor)
        # A pid file naming a process that is not a supervisor is not one.
        (tmp_path / "other.pid").write_text(f"{first}\n")
        assert bash("live_supervisor other.pid", tmp_path).returncode != 0

        os.kill(first, signal.SIGKILL)
        wait_for(lambda: (tmp_path / "child.pid").read_text().strip() not in ("", str(first)))
        second = int((tmp_path / "child.pid").read_text())
        assert alive(second)
        assert "exit 137" in (tmp_path / "child.pid.exits").read_text()

        stopped = bash("stop_supervised sup.pid 5 sleeper", tmp_path)
        assert stopped.returncode == 0, stopped.stderr
        wait_for(lambda: not alive(second))
        assert not alive(supervisor)
        assert not (tmp_path / "sup.pid").exists()
        assert not (tmp_path / "child.pid").exists()
    finally:
        for pid in (supervisor, first):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
