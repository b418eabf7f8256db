-- ingest_jsonl_keys (fast): the request_id key of every line of a plain JSON Lines file, read by
-- DuckDB's JSON reader on every core (no Python line splitting).
-- Grain: one row per line, in file order. There is no line number column: ingest.py stores the
-- rows in a table, which keeps the order of the file (preserve_insertion_order, DuckDB's
-- default), so a row's rowid + 1 is its line number (a WITH ORDINALITY numbering would keep
-- the reader on one core, at twice the time).
-- The reader takes exactly one JSON object per line (it fails on a line with more, on an
-- object spread over lines, on invalid UTF-8, or on a field of the record given twice: every
-- field is read, so that a file that passes has no repeated field) and skips blank lines, so
-- ingest.py trusts that numbering only when the file's line count and the rows read here
-- agree; otherwise the file takes the line-splitting path. The key is the one
-- ingest_jsonl_keys.sql gives (the same JSON-to-VARCHAR transform; empty text is absent),
-- hashed as ingest.py's _candidate_rows hashes it; a row without a request_id has none.
select
    case when nullif(request_id, '') is not null then hash(request_id) end as key_hash
from read_json(
    getvariable('ingest_path'),
    format = 'newline_delimited',
    columns = {
        'request_id': 'VARCHAR', 'timestamp': 'VARCHAR', 'owner_uin': 'VARCHAR', 'uin': 'VARCHAR',
        'action': 'VARCHAR', 'region': 'VARCHAR', 'error_code': 'VARCHAR', 'images_total': 'VARCHAR',
        'images_recognized': 'VARCHAR', 'tickets': 'VARCHAR'
    }
)
-- never false: it makes the reader transform (and check) every field, not only request_id
where hash(timestamp, owner_uin, uin, action, region, error_code, images_total, images_recognized, tickets)
    is not null
