-- int_time_edges: the instants at which what an (owner, item)'s calls draw on may change: a free
-- or paid pack starts or stops serving, a refund is requested (R6–R8, R20), postpaid mode is
-- switched (R25, for every item the account calls).
-- Grain: one row per (owner_uin, billing_item, edge_at, side).
-- side 'from': a call at edge_at is already on the new side (effective_at <= t < expires_at);
-- 'after': only later calls are (R25: the latest switch strictly before the call decides).
with

free_packs as (select * from int_free_packs),

paid_packs as (select * from int_paid_packs),

pack_edges as (
    select owner_uin, billing_item, effective_at as edge_at from free_packs
    union
    select owner_uin, billing_item, expires_at as edge_at from free_packs
    union
    select owner_uin, billing_item, effective_at as edge_at from paid_packs
    union
    select owner_uin, billing_item, serves_until as edge_at from paid_packs
    union
    select owner_uin, billing_item, requested_at as edge_at from int_refund_requests
),

-- R25: a switch applies to every item of the account
switch_edges as (
    select distinct switches.owner_uin, items.billing_item, switches."at" as edge_at
    from events as switches
    join (select distinct owner_uin, billing_item from int_unit_days) as items using (owner_uin)
    where switches.event_type = 'postpaid'
),

final as (
    select owner_uin, billing_item, edge_at, 'from' as side from pack_edges
    union all
    select owner_uin, billing_item, edge_at, 'after' as side from switch_edges
)

select * from final
