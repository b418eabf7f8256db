"""Whole pipeline (ingest + events + bill_month) against a bare DuckDB read of the same file.

    python bench/bench_bill.py [--calls 10000000] [--reuse]

Logs from write_bench_logs, events from write_bench_events (same customer base), a fresh
warehouse; every step in its own process with the same memory_limit.
Writes bench/out/bench_bill.json.
"""

from __future__ import annotations

import argparse
import json

from common import OUT, Step, default_memory_limit, ensure_logs, fresh_dir, machine, run_child, table, warm_cache


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=10_000_000)
    p.add_argument("--accounts", type=int, default=20_000)
    p.add_argument("--pack-accounts", type=int, default=3_000)
    p.add_argument("--month", default="2026-10")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--memory-limit", default=default_memory_limit(), help="DuckDB memory_limit (default $OCRBILL_MEMORY_LIMIT or 4GB)")
    p.add_argument("--reuse", action="store_true", help="reuse bench/out/calls_<N>.jsonl if made with the same parameters")
    a = p.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    path, events_path, gen = ensure_logs(a.calls, a.accounts, a.month, a.seed, a.reuse, pack_accounts=a.pack_accounts)
    assert events_path is not None
    n_events = sum(1 for _ in open(events_path, encoding="utf-8"))
    steps: list[Step] = [gen] if gen else []
    warm_cache(path, events_path)
    bare_out = OUT / "bare.parquet"
    bare_out.unlink(missing_ok=True)
    bare = run_child("bare read_json → Parquet", "bare", a.calls, a.memory_limit, file=str(path), out=str(bare_out))
    floor_out = OUT / "floor.parquet"
    floor_out.unlink(missing_ok=True)
    floor = run_child("floor: validation + Parquet, no numbering", "floor", a.calls, a.memory_limit,
                      file=str(path), out=str(floor_out))  # fmt: skip
    wh = fresh_dir(OUT / "warehouse_bill")
    pipeline = [
        run_child("ocrbill ingest_paths", "ingest", a.calls, a.memory_limit, warehouse=str(wh), file=str(path)),
        run_child("ocrbill load_events", "events", n_events, a.memory_limit, warehouse=str(wh), file=str(events_path)),
    ]
    if pipeline[0].seconds is not None:
        pipeline.append(run_child(f"bill_month {a.month}", "bill", a.calls, a.memory_limit, warehouse=str(wh), month=a.month))
    steps += [bare, floor, *pipeline]
    done = all(s.seconds is not None for s in pipeline) and len(pipeline) == 3
    total = sum(s.seconds or 0 for s in pipeline) if done else None
    ratio = total / bare.seconds if total and bare.seconds else None

    print(f"\n{a.calls:,} calls, {n_events:,} events, memory_limit {a.memory_limit}\n")
    print(table(steps))
    if ratio is not None:
        print(f"\ningest + events + bill: {total:.1f} s = {ratio:.2f}x the bare read; "
              f"peak RSS {max(s.peak_rss_mb or 0 for s in pipeline):,.0f} MB")  # fmt: skip
        if floor.seconds:
            print(f"floor (validation + Parquet on every core, no line numbers, no dedup): "
                  f"{floor.seconds / bare.seconds:.2f}x the bare read")  # fmt: skip
        stages = pipeline[2].detail.get("stages") or []
        if stages:
            print("bill stages (s): " + ", ".join(f"{m.split(': ')[-1]} {t}" for m, t in stages if t and t >= 0.2))
    else:
        print("\npipeline incomplete: " + "; ".join(
            f"{s.name}: {s.detail.get('unavailable') or s.detail.get('error')}" for s in pipeline if s.seconds is None))
    report = {"machine": machine(), "params": vars(a), "file": str(path), "events_file": str(events_path),
              "steps": [s.as_dict() for s in steps], "pipeline_seconds": total, "ratio_pipeline_over_bare": ratio}  # fmt: skip
    (OUT / "bench_bill.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    print(f"\nwrote {OUT / 'bench_bill.json'}")


if __name__ == "__main__":
    main()
