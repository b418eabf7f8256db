-- int_packs: every pack, free and paid, with the instant it really stops serving (R6, R7, R20).
-- Grain: one row per pack_id. serves_until is the expiry, or the approved refund request.
with

free_packs as (select * from int_free_packs),

paid_packs as (select * from int_paid_packs),

refunds as (
    select requests.pack_id, requests.requested_at
    from int_refund_requests as requests
    join int_refund_decisions as decisions using (event_key)
    where decisions.status = 'approved'
),

final as (
    select
        pack_id, owner_uin, billing_item, kind, size, effective_at, expires_at,
        effective_at as listed_from,
        expires_at as serves_until,
        cast(null as timestamp) as refunded_at,
        cast(null as timestamp) as purchased_at
    from free_packs
    union all
    select
        paid_packs.pack_id, owner_uin, billing_item, kind, size, effective_at, expires_at,
        -- listed from its purchase, or from its effective_at when that is earlier (a back-dated
        -- pack serves from effective_at, R7, so the month it serves must list its draws)
        least(purchased_at, effective_at) as listed_from,
        least(serves_until, refunds.requested_at) as serves_until,
        refunds.requested_at as refunded_at,
        purchased_at
    from paid_packs
    left join refunds using (pack_id)
)

select * from final
