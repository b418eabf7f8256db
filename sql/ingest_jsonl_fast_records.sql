-- ingest_jsonl_fast_records: the records of a plain JSON Lines call log read by DuckDB's JSON
-- reader on every core, in the shape of ingest_jsonl_records.sql (fields as text).
-- Grain: one row per line, in file order. There is no line number and no raw line: ingest.py
-- stores stg_calls over these rows in a table, which keeps the order of the file
-- (preserve_insertion_order, DuckDB's default), so a row's rowid + 1 is its line number (a
-- WITH ORDINALITY numbering would keep the reader on one core); the raw text of the few lines
-- that need it (duplicate candidates, quarantined records) is read again by line number.
-- The reader takes exactly one JSON object per line (it fails on a line with more, on an
-- object spread over lines, on invalid UTF-8, or on a call field given twice: every field is
-- read) and skips blank lines, so ingest.py trusts that numbering only when the file's line
-- count and the rows read here agree; otherwise the file takes the line-splitting path. Its
-- JSON-to-VARCHAR transform is json_transform's (ingest_jsonl_records.sql): a string gives its
-- value, a number its text, an object or array its JSON text; a byte-order mark is skipped.
select
    null::bigint as source_row,
    null::varchar as raw,
    true as readable,
    null::varchar as unreadable_detail,
    null::varchar as repeated_field,
    request_id, timestamp, owner_uin, uin, action, region, error_code,
    images_total, images_recognized, tickets
from read_json(
    getvariable('ingest_path'),
    format = 'newline_delimited',
    columns = {
        'request_id': 'VARCHAR', 'timestamp': 'VARCHAR', 'owner_uin': 'VARCHAR', 'uin': 'VARCHAR',
        'action': 'VARCHAR', 'region': 'VARCHAR', 'error_code': 'VARCHAR', 'images_total': 'VARCHAR',
        'images_recognized': 'VARCHAR', 'tickets': 'VARCHAR'
    }
)
