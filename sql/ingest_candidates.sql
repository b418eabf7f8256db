-- ingest_candidates: the lines of the file being ingested that may be duplicates (spec §1.1).
-- Grain: one row per line (source_row) whose request_id key (ingest_*_keys.sql) is on another
-- line of the file too, or is already in the committed calls.
-- Every other line has a request_id that is unique in the file and new to the warehouse, so it is
-- neither a duplicate nor the first occurrence a duplicate points to: ingest_duplicates.sql only
-- needs to look at these lines (usually a handful), and the main pass at none of them.
-- Keys are compared by hash() (8 bytes a line, not the text): a collision only adds lines here.
-- hash() may change between DuckDB versions; it is only compared within one run.

with

keys as (
    select source_row, key_hash
    from ingest_key_rows  -- ingest.py: hash(request_id) of each line of `ingest_keys`
    where key_hash is not null
),

repeated as (
    select key_hash
    from keys
    group by key_hash
    having count(*) > 1
),

committed as (
    -- probe the committed calls against the file's keys (the hash table is the file's, not the warehouse's)
    select distinct key_hash
    from (select hash(request_id) as key_hash from ingest_committed_calls)
    where key_hash in (select key_hash from keys)
),

candidate_keys as (
    select key_hash from repeated
    union
    select key_hash from committed
),

final as (
    select source_row
    from keys
    where key_hash in (select key_hash from candidate_keys)
)

select * from final
