-- conflicts: every request_id seen again with different content, with both versions (spec §1.1).
-- Grain: one row per `duplicates` row of kind 'conflict'. The kept version is the accepted call
-- (its fields as stored, times UTC); the other is the line that came later, as it was written.
with

seen_again as (
    select * from duplicates where kind = 'conflict'
),

accepted as (
    select * from calls
),

final as (
    select
        seen_again.request_id,
        seen_again.first_source_file as kept_source_file,
        seen_again.first_source_line as kept_source_line,
        to_json(struct_pack(
            ts_utc := accepted.ts_utc,
            owner_uin := accepted.owner_uin,
            uin := accepted.uin,
            action := accepted.action,
            region := accepted.region,
            error_code := accepted.error_code,
            images_total := accepted.images_total,
            images_recognized := accepted.images_recognized,
            tickets := accepted.tickets
        )) as kept_version,
        seen_again.source_file as other_source_file,
        seen_again.source_line as other_source_line,
        seen_again.raw as other_version,
        seen_again.batch_id as other_batch_id
    from seen_again
    left join accepted
        on accepted.request_id = seen_again.request_id
        and accepted.batch_id = seen_again.first_batch_id
)

select * from final
