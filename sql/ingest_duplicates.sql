-- ingest_duplicates: valid records of the file being ingested whose request_id was seen before.
-- Grain: one row per duplicate record (source_row). "Before" is, first, any call committed to
-- the warehouse by an earlier batch, else an earlier line of this file (first occurrence by line
-- wins). kind = 'conflict' when the content hash differs from the first version's.
-- Conflicts are duplicates too (spec §1.1).

with

valid as (
    select source_row, source_line, request_id, content_hash
    from ingest_stg
    where reason is null
),

committed as (
    select *
    from ingest_committed_calls
    where request_id in (select request_id from valid)
    -- exactly-once means one committed row per request_id; stay deterministic regardless
    qualify row_number() over (partition by request_id order by batch_id, source_file, source_line) = 1
),

repeated_ids as (
    select request_id, min(source_line) as first_line
    from valid
    group by request_id
    having count(*) > 1
),

file_firsts as (
    select
        valid.request_id,
        getvariable('ingest_batch_id') as first_batch_id,
        getvariable('ingest_source_file') as first_source_file,
        valid.source_line as first_source_line,
        valid.content_hash as first_content_hash
    from valid
    join repeated_ids
        on valid.request_id = repeated_ids.request_id
        and valid.source_line = repeated_ids.first_line
),

firsts as (
    select
        request_id,
        batch_id as first_batch_id,
        source_file as first_source_file,
        source_line as first_source_line,
        content_hash as first_content_hash,
        true as committed_before
    from committed
    union all by name
    select *, false as committed_before
    from file_firsts
    where request_id not in (select request_id from committed)
),

final as (
    select
        valid.source_row,
        getvariable('ingest_batch_id') as batch_id,
        valid.request_id,
        case when valid.content_hash = firsts.first_content_hash then 'duplicate' else 'conflict' end as kind,
        getvariable('ingest_source_file') as source_file,
        valid.source_line,
        valid.content_hash,
        firsts.first_batch_id,
        firsts.first_source_file,
        firsts.first_source_line,
        firsts.first_content_hash
    from valid
    join firsts using (request_id)
    where firsts.committed_before or valid.source_line > firsts.first_source_line
)

select * from final
