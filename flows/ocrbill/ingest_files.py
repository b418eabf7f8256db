"""The bytes of call-log files: finding them, one scan of each (sha256, line ends, line starts),
and splitting a plain file into numbered lines, vectorised with numpy (no per-line Python loop).

`ingest.py` decides from a file's `FileScan` which DuckDB path reads it; the line splitter feeds
the streaming passes (`ingest_raw_lines_stream.sql`) and pass 2's seek to candidate lines.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

FORMATS = {
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson": "jsonl",
    ".ndjson.gz": "jsonl",
    ".csv": "csv",
    ".csv.gz": "csv",
}
# A file named on the command line may also be `.json`, the name many tools give JSON Lines; in
# a folder a `.json` file is more often something else (a manifest), so it is skipped there.
NAMED_FORMATS = {**FORMATS, ".json": "jsonl", ".json.gz": "jsonl"}
FORMATS_TEXT = ".jsonl, .ndjson or .csv, each optionally .gz"


class IngestError(RuntimeError):
    """An ingest run that cannot go ahead (e.g. an input path that does not exist)."""


class UnreadableFile(IngestError):
    """One input file that cannot be read at all (a broken gzip stream): the run goes on with
    the other files and reports it."""




def file_format(path: Path, named: bool = False) -> str | None:
    """'jsonl', 'csv', or None for a file ingestion does not read (`named`: given by name)."""
    name = path.name.lower()
    for suffix, fmt in (NAMED_FORMATS if named else FORMATS).items():
        if name.endswith(suffix):
            return fmt
    return None


def is_gz(path: Path) -> bool:
    """Whether `path` is a gzipped log (`.jsonl.gz`, `.csv.gz`)."""
    return path.name.lower().endswith(".gz")


def collect_files(paths: list[Path]) -> list[tuple[Path, str | None]]:
    """(file, format) of each file named by `paths`, directories expanded recursively and sorted
    by path; a folder's files that are not call logs have format None (skipped and listed), a
    file named that is not one is an error."""
    files: list[tuple[Path, str | None]] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise IngestError(f"input path does not exist: {path}")
        if path.is_dir():
            files.extend((p, file_format(p)) for p in sorted(p for p in path.rglob("*") if p.is_file()))
        elif (fmt := file_format(path, named=True)) is not None:
            files.append((path, fmt))
        else:
            raise IngestError(f"{path}: not a call log: expected {FORMATS_TEXT} (or .json)")
    return files


SCAN_BLOCK = 1 << 20  # bytes hashed and counted at a time by scan_file


@dataclass(frozen=True)
class FileScan:
    """What one read of a file tells: sha256 and size of its bytes as stored, and its lines as
    read (decompressed for .gz)."""

    sha256: str
    size: int
    lines: int  # LF count, plus a last line without one
    lone_cr: bool  # a CR not followed by LF: readers disagree on whether it ends a line
    # lines ending in CR LF and others in LF alone: DuckDB's CSV reader takes the first line's
    # ending for the file's, and after an LF first line it ends a line at every CR too
    mixed_ends: bool
    long_line: bool  # a line of LINE_MAX bytes or more (the splitter leaves those to read_csv)
    # a vertical tab or form feed: DuckDB's JSON reader trims them around an object as if they
    # were JSON whitespace, which they are not (and they cannot be inside a valid JSON line)
    odd_space: bool
    # (byte offset, line number) of a line start in each SCAN_BLOCK of a plain file: pass 2
    # seeks to the lines it wants instead of reading the whole file (line_batches `starts`)
    line_starts: np.ndarray = field(compare=False, repr=False)


class _LineStats:
    """Line ends, odd bytes and line starts of a stream of bytes fed block by block."""

    def __init__(self) -> None:
        self.offset = self.lf = self.cr = self.crlf = 0
        self.odd_space = False
        self.last = b""
        self.run = self.longest = 0  # bytes of the line in progress; the longest line crossing a block edge
        self.starts: list[tuple[int, int]] = []

    def feed(self, chunk: bytes) -> None:
        first = chunk.find(b"\n")
        if first >= 0:  # after lf + 1 line feeds, line lf + 2 starts
            self.starts.append((self.offset + first + 1, self.lf + 2))
        self.offset += len(chunk)
        self.lf += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == 10))  # 3x bytes.count
        self.odd_space = self.odd_space or b"\x0b" in chunk or b"\x0c" in chunk
        if b"\r" in chunk:
            self.cr += chunk.count(b"\r")
            self.crlf += chunk.count(b"\r\n")
        if self.last == b"\r" and chunk[:1] == b"\n":  # a CR LF across two blocks
            self.crlf += 1
        self.last = chunk[-1:]
        if first < 0:
            self.run += len(chunk)
        else:  # a line inside one block is shorter than the block, far below LINE_MAX
            self.longest = max(self.longest, self.run + first)
            self.run = len(chunk) - 1 - chunk.rfind(b"\n")


class _Hashing:
    """A binary file (read only) that hashes and counts the bytes read through it."""

    mode = "rb"

    def __init__(self, raw: Any) -> None:
        self.raw, self.digest, self.size = raw, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def scan_file(path: Path) -> FileScan:
    """Hash and size of the file as stored, and its line ends as read, in one read (vectorised
    counts per block). Raises IngestError for a .gz file that cannot be decompressed."""
    gz = is_gz(path)
    stats = _LineStats()
    with open(path, "rb") as raw:
        hashing = _Hashing(raw)
        try:
            text = gzip.GzipFile(fileobj=hashing, mode="rb") if gz else hashing
            while chunk := text.read(SCAN_BLOCK):
                stats.feed(chunk)
        except (OSError, EOFError, zlib.error) as exc:
            raise UnreadableFile(f"{path.resolve()}: cannot read: {exc}") from exc
        while hashing.read(SCAN_BLOCK):  # bytes after the last gzip member are hashed too
            pass
    lf = stats.lf
    return FileScan(
        hashing.digest.hexdigest(),
        hashing.size,
        lf + (1 if stats.offset and stats.last != b"\n" else 0),
        stats.cr != stats.crlf,
        0 < stats.crlf < lf,
        max(stats.longest, stats.run) >= LINE_MAX,
        stats.odd_space,
        # offsets into the decompressed text of a .gz file are no use for seeking in it
        np.array([] if gz else stats.starts, dtype=np.int64).reshape(-1, 2),
    )


def lf_copy(path: Path, target: Path) -> None:
    """Write the lines of `path` (decompressed for .gz) to `target` with every CR LF ending made
    an LF: the same lines, which DuckDB's CSV reader numbers right even when the ends were mixed."""
    with (gzip.open(path, "rb") if is_gz(path) else open(path, "rb")) as src:
        with open(target, "wb") as dst:
            carry = b""  # a CR at the end of a block may be the first half of a CR LF
            while block := src.read(LINE_BLOCK):
                block = carry + block
                carry = block[-1:] if block.endswith(b"\r") else b""
                dst.write(block[: len(block) - len(carry)].replace(b"\r\n", b"\n"))
            dst.write(carry)

LINE_SCHEMA = pa.schema([("source_row", pa.int64()), ("line", pa.large_binary())])
LINE_BLOCK = 1 << 21  # bytes read at a time by the line splitter (bigger blocks: more memory
# in the ordered COPY of pass 3, no faster)
LINE_MAX = 4_000_000  # longer lines take the read_csv path (its max_line_size is 4 MiB)


class NotPlain(Exception):
    """The file has bytes the line splitter leaves to the read_csv path."""


def line_batches(
    path: Path,
    skip: np.ndarray | None = None,
    only: np.ndarray | None = None,
    starts: np.ndarray | None = None,
):
    """The lines of `path` as Arrow batches (source_row from 1, line bytes without their LF or
    CR LF), memory bounded by the block size. Raises NotPlain for a lone CR (the CSV reader ends
    a line there too), a NUL or 0x01 byte, or an over-long line. `skip`: sorted source_rows left
    out of the batches; `only`: the sorted source_rows kept (None: all), read from the known line
    start before each (`starts`: FileScan.line_starts) rather than from the top."""
    row = 1
    buf = bytearray(LINE_BLOCK)
    filled = 0  # bytes of an unfinished line at the start of buf
    with open(path, "rb") as fh:
        while True:
            if only is not None:
                wanted = int(np.searchsorted(only, row))
                if wanted == len(only):
                    return
                if starts is not None and len(starts):
                    k = int(np.searchsorted(starts[:, 1], only[wanted], side="right")) - 1
                    if k >= 0 and starts[k, 1] > row:  # skip to the line start: the line in buf is not kept
                        fh.seek(int(starts[k, 0]))
                        row, filled = int(starts[k, 1]), 0
            if filled == len(buf):  # a line longer than the block: a bigger block
                if filled > LINE_MAX:
                    raise NotPlain("long line")
                bigger = bytearray(2 * len(buf))
                bigger[:filled] = buf
                buf = bigger
            got = fh.readinto(memoryview(buf)[filled:])
            size = filled + got
            if not got:
                if size:  # a last line without terminator
                    data = bytes(buf[:size])
                    if b"\r" in data or b"\x00" in data or b"\x01" in data or size > LINE_MAX:
                        raise NotPlain("last line")
                    if (skip is not None and row in skip) or (only is not None and row not in only):
                        return
                    yield pa.record_batch(
                        [pa.array([row], pa.int64()), pa.array([data], pa.large_binary())],
                        schema=LINE_SCHEMA,
                    )
                return
            arr = np.frombuffer(buf, np.uint8, count=size)
            last = buf.rfind(b"\n", 0, size)
            if last < 0:
                filled = size
                continue
            end = last + 1
            if only is not None:  # the kept lines only (the file passed the checks in pass 1)
                newlines = arr[:end] == 10
                count = int(np.count_nonzero(newlines))
                lo = int(np.searchsorted(only, row))
                hi = int(np.searchsorted(only, row + count))
                if hi > lo:  # the positions only for a block with a kept line: most have none
                    nl = np.flatnonzero(newlines)
                    picked = []
                    for number in only[lo:hi].tolist():
                        k = number - row
                        first = int(nl[k - 1]) + 1 if k else 0
                        stop = int(nl[k])
                        if stop > first and buf[stop - 1] == 13:
                            stop -= 1
                        picked.append(bytes(buf[first:stop]))
                    yield pa.record_batch(
                        [pa.array(only[lo:hi], pa.int64()), pa.array(picked, pa.large_binary())],
                        schema=LINE_SCHEMA,
                    )
                row += count
                filled = size - end
                buf[:filled] = buf[end:size]
                continue
            nl = np.flatnonzero(arr[:end] == 10)
            if buf.find(b"\x00", 0, end) >= 0 or buf.find(b"\x01", 0, end) >= 0:
                raise NotPlain("control byte")
            starts = np.empty(len(nl), np.int64)
            starts[0] = 0
            starts[1:] = nl[:-1] + 1
            ends = nl.astype(np.int64)
            crlf = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == 13)
            n_cr = int(np.count_nonzero(arr[:end] == 13)) if buf.find(b"\r", 0, end) >= 0 else 0
            if int(np.count_nonzero(crlf)) != n_cr:
                raise NotPlain("lone CR")
            ends -= crlf
            lengths = ends - starts
            if int(lengths.max()) > LINE_MAX:
                raise NotPlain("long line")
            # every CR is the first byte of a CR LF (checked above): cut the terminators out
            body = bytes(buf[:end])
            if n_cr:
                body = body.replace(b"\r\n", b"")
            body = body.replace(b"\n", b"")
            if len(body) != int(lengths.sum()):
                raise NotPlain("line lengths")  # cannot happen: every CR was checked
            offsets = np.empty(len(nl) + 1, np.int64)
            offsets[0] = 0
            np.cumsum(lengths, out=offsets[1:])
            lines = pa.Array.from_buffers(
                pa.large_binary(), len(nl), [None, pa.py_buffer(offsets), pa.py_buffer(body)]
            )
            numbers = np.arange(row, row + len(nl), dtype=np.int64)
            row += len(nl)
            filled = size - end
            buf[:filled] = buf[end:size]
            batch = pa.record_batch([pa.array(numbers), lines], schema=LINE_SCHEMA)
            if skip is not None and len(skip):
                batch = batch.filter(pa.array(~np.isin(numbers, skip, assume_unique=True)))
            yield batch
