-- ingest_csv_keys: the request_id of each record of a CSV call log.
-- Grain: one row per record that has a request_id; the value stg_calls.sql keeps (the CSV
-- adapter's trimmed field, blank text is absent). `ingest_records` is the CSV adapter over every
-- line of the file.
select source_row, absent_if_blank(request_id) as request_id
from ingest_records
where absent_if_blank(request_id) is not null
