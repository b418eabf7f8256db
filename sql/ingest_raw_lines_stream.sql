-- ingest_raw_lines (stream): the physical lines of a plain (not compressed) JSON Lines file, as
-- ingest_raw_lines.sql gives them, read in parallel.
-- Grain: one row per line of the file (blank lines included), numbered from 1 in file order.
-- `ingest_line_stream` is an Arrow stream that ingest.py registers before every query that
-- reads the file (a stream is read once): Python splits the file into lines in big blocks and
-- numbers them (`source_row`), the terminator (`\n` or `\r\n`) already cut off, so DuckDB reads
-- it on every core (a `WITH ORDINALITY` numbering runs on one). The bytes are checked as UTF-8
-- here: a line that is not makes the query fail, and ingest.py reads that file through
-- ingest_raw_lines.sql instead, which records it as unreadable. So do lines that the CSV reader
-- would read differently (a lone `\r`, a NUL or \x01 byte, a line over ~4 MB).
select
    source_row,
    decode(line) as line
from ingest_line_stream
