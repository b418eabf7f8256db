"""Ingest throughput against a bare DuckDB read of the same file.

    python bench/bench_ingest.py [--calls 10000000] [--reuse]

(a) bare: COPY (SELECT * FROM read_json(file, format='newline_delimited')) TO bare.parquet,
(b) ocrbill.ingest.ingest_paths(warehouse, [file]) into a fresh warehouse;
each in its own process with the same memory_limit. Writes bench/out/bench_ingest.json.
"""

from __future__ import annotations

import argparse
import json

from common import OUT, Step, default_memory_limit, ensure_logs, fresh_dir, machine, run_child, table, warm_cache


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=10_000_000)
    p.add_argument("--accounts", type=int, default=20_000)
    p.add_argument("--month", default="2026-10")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--memory-limit", default=default_memory_limit(), help="DuckDB memory_limit of both (default $OCRBILL_MEMORY_LIMIT or 4GB)")
    p.add_argument("--reuse", action="store_true", help="reuse bench/out/calls_<N>.jsonl if made with the same parameters")
    p.add_argument("--skip-ingest", action="store_true", help="only generate and measure the bare read")
    a = p.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    path, _, gen = ensure_logs(a.calls, a.accounts, a.month, a.seed, a.reuse)
    warm_cache(path)
    steps: list[Step] = [gen] if gen else []
    bare_out = OUT / "bare.parquet"
    bare_out.unlink(missing_ok=True)
    bare = run_child("bare read_json → Parquet", "bare", a.calls, a.memory_limit, file=str(path), out=str(bare_out))
    steps.append(bare)
    ingest: Step | None = None
    if not a.skip_ingest:
        wh = fresh_dir(OUT / "warehouse_ingest")
        ingest = run_child("ocrbill ingest_paths", "ingest", a.calls, a.memory_limit, warehouse=str(wh), file=str(path))
        steps.append(ingest)
    ratio = ingest.seconds / bare.seconds if ingest and ingest.seconds and bare.seconds else None

    print(f"\n{a.calls:,} calls, {path.stat().st_size / 2**20:,.0f} MiB JSONL, memory_limit {a.memory_limit}\n")
    print(table(steps))
    if ratio is not None:
        print(f"\ningest / bare time ratio: {ratio:.2f}x")
    report = {"machine": machine(), "params": vars(a), "file": str(path), "file_bytes": path.stat().st_size,
              "steps": [s.as_dict() for s in steps], "ratio_ingest_over_bare": ratio}  # fmt: skip
    (OUT / "bench_ingest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    print(f"\nwrote {OUT / 'bench_ingest.json'}")


if __name__ == "__main__":
    main()
