-- ingest_jsonl_keys (fast): the request_id of every line of a plain JSON Lines file, read by
-- DuckDB's JSON reader (no Python line splitting; WITH ORDINALITY runs it on one core, still
-- about half the time of ingest_jsonl_keys.sql over the split lines).
-- Grain: one row per line, numbered from 1 in file order.
-- The reader takes exactly one JSON object per line (it fails on a line with more, on an
-- object spread over lines, on invalid UTF-8, or on a field of the record given twice: every
-- field is read, so that a file that passes has no repeated field) and skips blank lines, so
-- ingest.py trusts `ordinality` as the line number only when the file's line count and the
-- rows read here agree; otherwise the file takes the line-splitting path. The value is the one
-- ingest_jsonl_keys.sql gives (the same JSON-to-VARCHAR transform; empty text is absent);
-- rows without a request_id are kept here (for that count) and left out of the keys.
select
    ordinality as source_row,
    nullif(request_id, '') as request_id
from read_json(
    getvariable('ingest_path'),
    format = 'newline_delimited',
    columns = {
        'request_id': 'VARCHAR', 'timestamp': 'VARCHAR', 'owner_uin': 'VARCHAR', 'uin': 'VARCHAR',
        'action': 'VARCHAR', 'region': 'VARCHAR', 'error_code': 'VARCHAR', 'images_total': 'VARCHAR',
        'images_recognized': 'VARCHAR', 'tickets': 'VARCHAR'
    }
) with ordinality
-- never false: it makes the reader transform (and check) every field, not only request_id
where hash(timestamp, owner_uin, uin, action, region, error_code, images_total, images_recognized, tickets)
    is not null
