"""Shared helpers of the bench scripts: data generation, child processes, reporting."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


@dataclass
class Step:
    name: str
    rows: int
    seconds: float | None  # time of the step alone (measured inside the child)
    wall_seconds: float  # including process start-up and imports
    peak_rss_mb: float | None
    detail: dict[str, Any]

    @property
    def rows_per_s(self) -> float | None:
        return self.rows / self.seconds if self.seconds else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows_per_s": self.rows_per_s}


def default_memory_limit() -> str:
    return os.environ.get("OCRBILL_MEMORY_LIMIT", "4GB")


def run_child(name: str, op: str, rows: int, memory_limit: str, **kwargs: Any) -> Step:
    """Run bench/child.py OP in a fresh process; peak RSS from wait4() of that process."""
    env = {**os.environ, "OCRBILL_MEMORY_LIMIT": memory_limit,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "flows"), os.environ.get("PYTHONPATH")]))}  # fmt: skip
    cmd = [sys.executable, str(ROOT / "bench" / "child.py"), op, json.dumps(kwargs)]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errf:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=errf, text=True)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        errf.seek(0)
        err = errf.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    rss_mb = usage.ru_maxrss / 1024  # Linux: KiB; includes this launcher's RSS at fork time
    if proc.returncode != 0:
        return Step(name, rows, None, wall, rss_mb, {"error": f"exit {proc.returncode}: {_last_error(err)}",
                                                   "stderr": err[-4000:]})
    detail = json.loads(out.strip().splitlines()[-1])
    seconds = detail.pop("seconds", None)
    hwm = detail.pop("peak_rss_kb", None)
    return Step(name, rows, seconds, wall, hwm / 1024 if hwm else rss_mb, detail)


def _last_error(stderr: str) -> str:
    """The exception line of a traceback (the last line that is not indented)."""
    lines = [x for x in stderr.splitlines() if re.match(r"^[\w.]+(Error|Exception|Exit)\b", x)]
    lines = lines or [x for x in stderr.splitlines() if x.strip()]
    return lines[-1][:300] if lines else ""


def ensure_logs(
    calls: int, accounts: int, month: str, seed: int, reuse: bool, *, pack_accounts: int | None = None
) -> tuple[Path, Path | None, Step | None]:
    """bench/out/calls_<N>.jsonl (+ events_<accounts>.jsonl), made in a child process; kept
    with --reuse when the same parameters made it."""
    path = OUT / f"calls_{calls}.jsonl"
    events = OUT / f"events_{accounts}_{pack_accounts}.jsonl" if pack_accounts is not None else None
    meta_path = path.with_suffix(".meta.json")
    params = {"calls": calls, "accounts": accounts, "month": month, "seed": seed}
    fresh = not (reuse and path.exists() and meta_path.exists()
                 and json.loads(meta_path.read_text())["params"] == params)  # fmt: skip
    if not fresh and (events is None or events.exists()):
        return path, events, None
    step = run_child("generate (write_bench_logs)", "generate", calls, default_memory_limit(),
                     file=str(path), events_file=str(events) if events else None, calls=calls,
                     accounts=accounts, pack_accounts=pack_accounts or 0, month=month, seed=seed)  # fmt: skip
    if step.seconds is None:
        raise SystemExit(f"generation failed: {step.detail}")
    meta_path.write_text(json.dumps({"params": params, "seconds": step.seconds}))
    return path, events, step


def warm_cache(*paths: Path) -> None:
    """Read the files once, untimed, so that every timed step finds them in the page cache: the
    first step to read a cold file (the bare read) would otherwise also pay for the disk."""
    for path in paths:
        with open(path, "rb") as fh:
            while fh.read(1 << 24):
                pass


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    return path


def table(steps: list[Step]) -> str:
    lines = ["| step | rows | seconds | rows/s | wall s | peak RSS MB |", "|---|---:|---:|---:|---:|---:|"]
    for s in steps:
        if s.seconds is None:
            why = s.detail.get("unavailable") or s.detail.get("error") or "n/a"
            lines.append(f"| {s.name} | {s.rows:,} | — ({why}) | — | {s.wall_seconds:.1f} | "
                         f"{'' if s.peak_rss_mb is None else f'{s.peak_rss_mb:,.0f}'} |")  # fmt: skip
            continue
        rss = "—" if s.peak_rss_mb is None else f"{s.peak_rss_mb:,.0f}"
        lines.append(f"| {s.name} | {s.rows:,} | {s.seconds:.2f} | {s.rows_per_s:,.0f} | {s.wall_seconds:.1f} | {rss} |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    import platform
    from importlib.metadata import version

    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": os.cpu_count(), "mem_gb": round(mem_gb, 1), "python": platform.python_version(),
            "duckdb": version("duckdb"), "polars": version("polars")}  # fmt: skip
