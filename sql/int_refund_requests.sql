-- int_refund_requests: refund requests for packs, with the checks that do not depend on usage
-- (R20). Grain: one row per pack_refund event (`event_key`; a pack may have several requests).
-- Whether a unit was drawn from the pack before the request, or an earlier request was approved,
-- is decided by the segment allocator, which walks the pack timeline in order.
-- A request naming no paid pack is not here: report_issues lists it (`unknown_pack`).
with

refunds as (
    -- owner_uin as the request gave it, if it did: the pack's owner comes from the purchase
    select event_key, pack_id, requested_at, owner_uin as requested_by
    from events
    where event_type = 'pack_refund'
),

packs as (select * from int_paid_packs),

violations as (
    select owner_uin, from_ts, to_ts from suspensions  -- (every suspension event is a violation)
),

checked as (
    select
        refunds.event_key,
        refunds.pack_id,
        packs.owner_uin,
        refunds.requested_by,
        packs.billing_item,
        refunds.requested_at,
        packs.purchased_at,
        packs.charged_price - packs.voucher as refund_amount,
        -- refundable through the 7th day after the purchase day: before 00:00 (UTC+8) of day 8
        cast(cast(packs.purchased_at + interval 8 hour as date) + interval 8 day as timestamp)
            - interval 8 hour as window_closes_at,
        exists (
            select 1 from violations
            where violations.owner_uin = packs.owner_uin
              and violations.from_ts <= refunds.requested_at
              and (violations.to_ts is null or refunds.requested_at < violations.to_ts)
        ) as suspended_for_violation
    from refunds
    join packs using (pack_id)
),

final as (
    select
        *,
        case
            -- a request naming another account than the pack's (R20: not its pack to refund)
            when requested_by <> owner_uin then 'not_pack_owner'
            -- nothing bought yet: nothing to give back (the request names a later purchase)
            when requested_at < purchased_at then 'before_purchase'
            when requested_at >= window_closes_at then 'window_closed'
            when suspended_for_violation then 'suspended_for_violation'
        end as denied_before_usage
    from checked
)

select * from final
