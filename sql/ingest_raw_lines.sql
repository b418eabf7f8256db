-- ingest_raw_lines: the physical lines of the input file being ingested.
-- Grain: one row per line of the file (blank lines included), numbered from 1 in file order.
-- The file is named by the session variable `ingest_path` (set with a prepared parameter, never
-- spliced into SQL). The file is read as a one-column CSV with no quoting and a delimiter that
-- cannot occur in a readable record, so each physical line is one row; `\r\n` and `\n` both end
-- a line (the reader's default). Lines the reader cannot decode (invalid UTF-8, over max_line_size) are left out of the
-- numbering and recorded in the `reject_errors` temp table (ingest.py puts them back as
-- `unreadable` and renumbers the lines after them). `.gz` is decompressed by extension.
-- WITH ORDINALITY numbers rows in source order (DuckDB computes it as row_number() over ()).
select
    ordinality as source_row,
    line
from read_csv(
    getvariable('ingest_path'),
    columns = {'line': 'VARCHAR'},
    header = false,
    auto_detect = false,
    delim = chr(1),
    quote = '',
    escape = '',
    strict_mode = false,
    store_rejects = true,
    max_line_size = 4194304
    -- no `new_line = '\r\n'`: with it, DuckDB 2.0.1's parallel CSV scanner silently returned
    -- 9,999,999 rows for the 10,000,000 lines of bench/out/calls_10000000.jsonl (no reject
    -- recorded); without it the reader still ends a line at `\r\n` or `\n` and reads every line
    -- (`parallel = false` would too, but buffers the whole file: 2 GB for that file)
) with ordinality
