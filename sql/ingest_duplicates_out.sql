-- ingest_duplicates_out: the warehouse `duplicates` rows of the file being ingested.
-- Grain: one row per duplicate record, in source-line order, with its raw line (read again from
-- the file, or kept from the duplicate-candidate pass: `ingest_dup_lines`; raw lines are not kept
-- in ingest_stg for records that pass validation).
select
    dups.batch_id,
    dups.request_id,
    dups.kind,
    dups.source_file,
    dups.source_line,
    dups.content_hash,
    dups.first_batch_id,
    dups.first_source_file,
    dups.first_source_line,
    dups.first_content_hash,
    lines.line as raw
from ingest_dups as dups
left join ingest_dup_lines as lines using (source_row)
order by dups.source_line
