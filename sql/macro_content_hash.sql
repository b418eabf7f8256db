-- content_hash (a macro, not a table): the normalised content of a call besides its request_id,
-- to tell a duplicate from a conflict (spec §1.1: a request_id seen again with different content
-- is a conflict). Equal for the same call logged in another timestamp shape or key order,
-- different for any billable difference. Computed only for the records whose request_id was seen
-- before (stg_calls for the candidate lines, ingest_committed_calls for the committed calls),
-- from the typed, normalised columns the warehouse stores: never stored itself.
create or replace temp macro content_hash(
    ts_utc, owner_uin, uin, action, region, error_code, images_total, images_recognized, tickets
) as md5(concat_ws(chr(31),
    epoch_us(ts_utc), owner_uin, uin, action, region,
    coalesce(error_code, chr(30)), coalesce(images_total::VARCHAR, chr(30)),
    coalesce(images_recognized::VARCHAR, chr(30)), coalesce(tickets::VARCHAR, chr(30))
))
