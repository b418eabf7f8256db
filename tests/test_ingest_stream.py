"""The plain-JSONL line splitter (ingest_files.line_batches, read in parallel) and the JSON reader's
pass 1 (ingest._stage_fast, ingest._fast_path_stands) against the read_csv WITH ORDINALITY path they replace:
same counts, same rows, same line numbers, same file order, on files with every kind of line
ending, blank line, byte-order mark and bad byte, in small blocks (lines across block
boundaries) and the default block."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from ocrbill import ingest as ingest_mod
from ocrbill import ingest_files
from ocrbill.ingest import ingest_paths
from ocrbill.warehouse import Warehouse

REF = Path(__file__).parent / "fixtures" / "ingest" / "reference"


def rec(i: int, month: str = "2026-10", **extra) -> bytes:
    base = {
        "request_id": f"r{i}",
        "timestamp": f"{month}-05T13:45:12.345+08:00",
        "owner_uin": "100",
        "action": "GeneralBasicOCR",
        "region": "ap-guangzhou",
    }
    return json.dumps({**base, **extra}).encode()


def rows(wh: Path, name: str) -> list[tuple]:
    """The table's rows in the order they are stored (file by file, row by row)."""
    files = [str(p) for p in sorted(Warehouse(wh).files(name))]
    out: list[tuple] = []
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for f in files:
        out.extend(con.execute("SELECT * FROM read_parquet(?)", [f]).fetchall())
    return out


def run(tmp_path: Path, name: str, src: Path, *, stream: bool, monkeypatch, json_pass1: bool = True) -> tuple:
    with monkeypatch.context() as m:
        if not json_pass1 or not stream:
            m.setattr(ingest_mod, "_fast_path_stands", lambda con, path, scan, rows: False)
        if not stream:

            def refuse(*args, **kwargs):
                raise ingest_mod.NotPlain("test: read_csv path")
                yield  # pragma: no cover

            m.setattr(ingest_mod, "line_batches", refuse)
        wh = tmp_path / name
        result = ingest_paths(wh, [src], reference_dir=REF)
    counts = (
        result.read,
        result.accepted,
        result.duplicates,
        result.conflicts,
        result.quarantined,
    )
    assert result.read == result.accepted + result.duplicates + result.quarantined
    return (
        counts,
        result.quarantined_by_reason,
        {t: rows(wh, t) for t in ("calls", "quarantine", "duplicates")},
    )


FILES = {
    "crlf_blank_bom_no_final_newline": b"\xef\xbb\xbf"
    + rec(1)
    + b"\r\n\r\n  \n"
    + rec(2)
    + b"\n\t\r\n"
    + rec(1, error_code="X")
    + b"\r\n"
    + rec(3, "2026-11")
    + b"\n"
    + b"[1]\n"
    + rec(4),
    "months_quarantine_duplicates": b"\n".join(
        [rec(i % 7, "2026-09" if i % 3 else "2026-10") for i in range(40)]
        + [b"not json", rec(99, action="Nope"), b"", rec(5)]
    )
    + b"\n",
    "invalid_utf8": b"\r\n".join(
        [rec(1), b'{"request_id": "\xff\xfe"}', rec(2), b"[1, 2]", rec(3)]
    )
    + b"\r\n",
    "lone_cr": rec(1) + b"\n" + rec(2) + b"\r" + rec(3) + b"\n" + rec(4) + b"\n",
    "control_bytes": rec(1) + b"\n" + b'{"request_id": "a\x01b"}\n' + rec(2) + b"\n",
    "nul_byte": rec(1) + b"\n\x00\n" + rec(2) + b"\n",
    "empty": b"",
    "only_blank": b"\n\r\n \n",
    "trailing_cr_last_line": rec(1) + b"\n" + rec(2) + b"\r",
    # one JSON object on every line: pass 1 goes through the JSON reader
    "objects_only": b"\xef\xbb\xbf" + b"\r\n".join(
        [rec(i % 5, "2026-09" if i % 3 else "2026-10") for i in range(20)]
        + [rec(7, timestamp="yesterday"), rec(8, action="Nope"), rec(9, owner_uin={"a": 1}),
           rec(10, timestamp=1790784032804, images_total=3, images_recognized="2"),
           rec(11, action="MixedInvoiceOCR", tickets=[3, 8, 2]), rec(12, tickets="[1,2]"),
           rec(13, images_total=2.0, images_recognized=1), b'  {"request_id": "r14", "x": null}',
           rec(1, region="ap-beijing"), rec(15, request_id=""), b'{"request_id": 16}']
    ) + b"\r\n",
    "objects_no_final_newline": b"\n".join([rec(i % 3) for i in range(9)]),
    # the JSON reader vouches: the first line (after its byte-order mark) is quarantined, its raw
    # text comes from the line splitter; a repeat of a quarantined line's request_id
    "objects_first_line_quarantined": b"\xef\xbb\xbf" + b"\n".join(
        [rec(1, action="Nope"), rec(1), rec(2), rec(1, region="ap-beijing"), rec(3, images_total=0, images_recognized=0)]
    ) + b"\n",
}


@pytest.mark.parametrize("block", [7, 64, 1 << 24])
@pytest.mark.parametrize("name", sorted(FILES))
def test_stream_path_equals_read_csv_path(tmp_path, monkeypatch, name, block):
    src = tmp_path / f"{name}.jsonl"
    src.write_bytes(FILES[name])
    monkeypatch.setattr(ingest_files, "LINE_BLOCK", block)
    # pass 2 seeks to the line starts that the scan found in each of its blocks
    monkeypatch.setattr(ingest_files, "SCAN_BLOCK", max(block // 2, 5))
    fast = run(tmp_path, "fast", src, stream=True, monkeypatch=monkeypatch)
    split = run(tmp_path, "split", src, stream=True, monkeypatch=monkeypatch, json_pass1=False)
    slow = run(tmp_path, "slow", src, stream=False, monkeypatch=monkeypatch)
    assert fast == split == slow


@pytest.mark.parametrize(
    ("name", "used"),
    [("objects_only", True), ("objects_no_final_newline", True), ("objects_first_line_quarantined", True), ("months_quarantine_duplicates", False),
     ("lone_cr", False), ("crlf_blank_bom_no_final_newline", False), ("invalid_utf8", False), ("empty", False)],
)
def test_json_reader_pass1_only_when_it_numbers_every_line(tmp_path, monkeypatch, name, used):
    """The JSON reader skips blank lines and refuses anything but one object per line: its row
    numbers are line numbers only when it gives one row per physical line."""
    src = tmp_path / f"{name}.jsonl"
    src.write_bytes(FILES[name])
    verdicts = []
    real = ingest_mod._fast_path_stands

    def spy(con, path, scan, rows):
        verdicts.append(real(con, path, scan, rows))
        return verdicts[-1]

    monkeypatch.setattr(ingest_mod, "_fast_path_stands", spy)
    ingest_paths(tmp_path / "wh", [src], reference_dir=REF)
    assert any(verdicts) == used


def test_stream_path_is_used_and_numbers_every_line(tmp_path, monkeypatch):
    """A plain file that pass 1's JSON reader does not vouch for takes the stream path; its rows
    are numbered by physical line across blocks."""
    lines = [rec(i, "2026-09" if i % 2 else "2026-10") for i in range(1, 501)]
    src = tmp_path / "plain.jsonl"
    src.write_bytes(b"\r\n".join(lines) + b"\r\n")
    monkeypatch.setattr(ingest_files, "LINE_BLOCK", 1000)
    monkeypatch.setattr(ingest_mod, "_fast_path_stands", lambda con, path, scan, rows: False)
    used = []
    real = ingest_mod.line_batches

    def spy(*args, **kwargs):
        used.append(args[0])
        yield from real(*args, **kwargs)

    monkeypatch.setattr(ingest_mod, "line_batches", spy)
    wh = tmp_path / "wh"
    result = ingest_paths(wh, [src], reference_dir=REF)
    assert used and (result.read, result.accepted) == (500, 500)
    calls = rows(wh, "calls")
    # each month file in line order, every line once
    for month in ("2026-09", "2026-10"):
        files = [
            p
            for p in Warehouse(wh).files("calls")
            if f"billing_month={month}" in str(p)
        ]
        [f] = files
        got = [
            r[0]
            for r in duckdb.connect()
            .execute("SELECT source_line FROM read_parquet(?)", [str(f)])
            .fetchall()
        ]
        assert got == sorted(got) and len(got) == 250
    assert sorted(
        duckdb.connect()
        .execute(
            "SELECT source_line FROM read_parquet(?)",
            [[str(p) for p in Warehouse(wh).files("calls")]],
        )
        .fetchall()
    ) == [(i,) for i in range(1, 501)]
    assert len(calls) == 500


def test_stream_path_parts_are_byte_identical_across_runs(tmp_path, monkeypatch):
    """Two months, quarantine and duplicates in many small blocks: the same Parquet bytes twice."""
    import hashlib

    lines = [rec(i % 900, "2026-09" if i % 5 else "2026-10") for i in range(3000)]
    lines[17] = b"not json"
    lines[2000] = rec(5000, action="Nope")
    src = tmp_path / "mixed.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    monkeypatch.setattr(ingest_files, "LINE_BLOCK", 4096)
    digests = []
    for name in ("a", "b"):
        wh = tmp_path / name
        result = ingest_paths(wh, [src], reference_dir=REF)
        assert (result.read, result.quarantined) == (3000, 2)
        digests.append(
            {
                p.relative_to(wh).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(wh.rglob("*.parquet"))
            }
        )
    assert digests[0] == digests[1]
    assert {k.split("/")[0] for k in digests[0]} == {
        "calls",
        "quarantine",
        "duplicates",
    }
    assert len([k for k in digests[0] if k.startswith("calls/")]) == 2


def test_json_reader_numbers_lines_across_its_parallel_buffers(tmp_path, monkeypatch):
    """Pass 1 reads on every core and numbers lines by the rowid of the table it fills (rows keep
    the file's order). A file of many reader buffers, with repeats near its start, middle and end:
    every duplicate names its own line and the line it repeats."""
    n = 150_000  # ~21 MB: many of the reader's buffers
    lines = [rec(i, note="x" * 40) for i in range(1, n + 1)]
    repeats = {70_001: 3, 120_000: 69_999, n: 119_998}  # line → the line whose request_id it repeats
    for line, first in repeats.items():
        lines[line - 1] = rec(first, owner_uin="101")  # other content: a conflict
    src = tmp_path / "big.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    used = []
    real = ingest_mod._fast_path_stands
    monkeypatch.setattr(ingest_mod, "_fast_path_stands", lambda *a: used.append(real(*a)) or used[-1])
    result = ingest_paths(tmp_path / "wh", [src], reference_dir=REF)
    assert used == [True]
    assert (result.read, result.duplicates, result.conflicts) == (n, 3, 3)
    [dups] = [str(p) for p in Warehouse(tmp_path / "wh").files("duplicates")]
    got = duckdb.sql(f"SELECT source_line, first_source_line FROM read_parquet('{dups}') ORDER BY 1").fetchall()
    assert got == sorted(repeats.items())


@pytest.mark.parametrize("limit", [0, 1 << 30])
def test_big_files_skip_the_one_parse_path(tmp_path, monkeypatch, limit):
    """A file over _FAST_MAX_BYTES takes the streaming passes (memory and temp disk flat in the
    file's size) and comes out the same as through the one-parse path."""
    src = tmp_path / "objects.jsonl"
    src.write_bytes(FILES["objects_only"])
    monkeypatch.setattr(ingest_mod, "_FAST_MAX_BYTES", limit)
    staged = []
    real = ingest_mod._stage_fast
    monkeypatch.setattr(ingest_mod, "_stage_fast", lambda con: staged.append(1) or real(con))
    got = run(tmp_path, "wh", src, stream=True, monkeypatch=monkeypatch)
    assert bool(staged) == (limit > 0)
    assert got == run(tmp_path, "slow", src, stream=False, monkeypatch=monkeypatch)


@pytest.mark.parametrize("scan_block", [3, 17, 100, 1 << 20])
@pytest.mark.parametrize("seed", range(4))
def test_kept_lines_read_by_seeking_equal_a_full_read(tmp_path, monkeypatch, scan_block, seed):
    """Pass 2 seeks to the line starts scan_file found (FileScan.line_starts): the same lines come
    out, numbered the same, as when it reads the file from the top; every start is a line start."""
    import random

    rnd = random.Random(seed)
    lines = [b"x" * rnd.choice([0, 1, 5, 40, 300]) for _ in range(400)]
    body = b"".join(line + rnd.choice([b"\n", b"\r\n"]) for line in lines)
    if seed % 2:
        body += b"last"  # no final newline
        lines.append(b"last")
    src = tmp_path / "lines.jsonl"
    src.write_bytes(body)
    monkeypatch.setattr(ingest_files, "SCAN_BLOCK", scan_block)
    monkeypatch.setattr(ingest_files, "LINE_BLOCK", 64)
    scan = ingest_mod.scan_file(src)
    assert scan.lines == len(lines)
    for offset, row in scan.line_starts.tolist():
        assert body[offset - 1 : offset] == b"\n" and body.count(b"\n", 0, offset) == row - 1
    only = np.array(sorted(rnd.sample(range(1, len(lines) + 1), 25)), dtype=np.int64)

    def read(starts):
        batches = list(ingest_mod.line_batches(src, only=only, starts=starts))
        return [(r, bytes(v)) for b in batches for r, v in zip(b["source_row"].to_pylist(), b["line"].to_pylist())]

    got = read(scan.line_starts)
    assert got == read(None) == [(r, lines[r - 1]) for r in only.tolist()]
