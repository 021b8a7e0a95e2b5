"""Start and stop the real servers tests need, on free loopback ports, by process id."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NETGUARD = Path(__file__).resolve().parent / "netguard"
# Debian's chromium, driven by Playwright (never `playwright install`).
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]


def settings_env(settings) -> dict[str, str]:
    """``settings`` as the environment a careerbot subprocess reads."""
    env = {"CAREERBOT_CORPUS_DIR": str(settings.corpus_dir),
           "CAREERBOT_DATA_DIR": str(settings.data_dir),
           "CAREERBOT_EMBEDDING_MODEL": settings.embedding_model,
           "CAREERBOT_CALIBRATION_FILE": str(settings.calibration_file),
           "HF_HUB_OFFLINE": "1"}
    if settings.chroma_url:
        env["CAREERBOT_CHROMA_URL"] = settings.chroma_url
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}") from None
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def start_app(settings, netlog: Path | None = None, **env: str) -> tuple[subprocess.Popen, str]:
    """`python app.py` with ``settings`` as environment; optionally under the net guard."""
    port = free_port()
    environ = {**os.environ, **settings_env(settings), "CAREERBOT_PORT": str(port),
               "CAREERBOT_HOST": "127.0.0.1", **env}
    if "CAREERBOT_ADMIN_TOKEN" not in env:
        environ.pop("CAREERBOT_ADMIN_TOKEN", None)  # no admin tab unless a test asks
    if netlog is not None:
        environ["PYTHONPATH"] = str(NETGUARD)
        environ["CAREERBOT_NETLOG"] = str(netlog)
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=environ,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http(url, proc)
    except Exception:
        stop(proc)
        raise
    return proc, url


def start_chroma(path: Path, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """A real `chroma run` server on loopback."""
    port = port or free_port()
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/api/v2/heartbeat", proc, seconds=60)
    except Exception:
        stop(proc)
        raise
    return proc, url
