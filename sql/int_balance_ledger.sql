-- int_balance_ledger: every movement of an account's balance (R23), for accounts with top-ups
-- (an account with no top_up has no tracked balance). Grain: one row per movement.
-- amount is signed: top-ups and approved refunds add; pack charges (less voucher), QPS charges
-- and settled postpaid bills (00:00 UTC+8 on day 1 of the next month) subtract.
with

tracked as (
    select distinct owner_uin from events where event_type = 'top_up'
),

top_ups as (
    select owner_uin, "at", amount, 'top_up' as kind, event_key as ref_id
    from events
    where event_type = 'top_up'
),

-- a voucher pays part of the price (spec §1.2): the balance pays the rest, which is also what
-- an approved refund gives back (R20)
pack_charges as (
    select owner_uin, purchased_at as "at", -(coalesce(charged_price, 0) - voucher) as amount,
           'pack_purchase' as kind, pack_id as ref_id
    from int_paid_packs
),

qps_charges as (
    select owner_uin, purchased_at as "at", -amount as amount, 'qps_pack' as kind, order_id as ref_id
    from int_qps_orders
    where status = 'accepted'
),

refunds as (
    select requests.owner_uin, requests.requested_at as "at", requests.refund_amount as amount,
           'pack_refund' as kind, requests.pack_id as ref_id
    from int_refund_requests as requests
    join int_refund_decisions as decisions using (event_key)
    where decisions.status = 'approved'
),

settlements as (
    select owner_uin, settled_at as "at", -amount as amount, 'settlement' as kind, billing_month as ref_id
    from int_settlements
),

final as (
    select movements.*
    from (
        select * from top_ups
        union all select * from pack_charges
        union all select * from qps_charges
        union all select * from refunds
        union all select * from settlements
    ) as movements
    where movements.owner_uin in (select owner_uin from tracked)
)

select * from final
order by owner_uin, "at", kind, ref_id
