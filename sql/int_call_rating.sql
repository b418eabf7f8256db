-- int_call_rating: how each call's units were covered: free, prepaid, postpaid (R8, R11).
-- Grain: one row per (request_id, billing_item) of int_call_units.
-- free_units + prepaid_units + postpaid_units = units on every row (audit_call_rating_split).
with

calls as (select * from int_free_draws),

prepaid as (
    select draws.request_id, draws.billing_item, sum(draws.units) as prepaid_units
    from int_pack_draws as draws
    join int_paid_packs as packs using (pack_id)
    group by all
),

final as (
    select
        calls.request_id, calls.ts_utc, calls.billing_month, calls.owner_uin, calls.site,
        calls.billing_item, calls.units, calls.free_units,
        coalesce(prepaid.prepaid_units, 0) as prepaid_units,
        calls.residual_units - coalesce(prepaid.prepaid_units, 0) as postpaid_units
    from calls
    left join prepaid using (request_id, billing_item)
)

select * from final
