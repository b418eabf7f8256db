-- int_pack_usage: the units drawn from each pack, free and paid, per billing month and UTC day
-- (R6–R8). Grain: one row per (pack_id, billing_month, draw_day) with units > 0.
-- The per-call draws (int_pack_draws) are millions of rows; balances, audits and alerts need
-- only these sums.
with

free_draws as (
    select
        free_pack_id as pack_id, billing_month, cast(ts_utc as date) as draw_day,
        sum(free_units) as units, min(ts_utc) as first_ts, max(ts_utc) as last_ts
    from int_free_draws
    where free_units > 0
    group by all
),

paid_draws as (
    select
        pack_id, billing_month, cast(ts_utc as date) as draw_day,
        sum(units) as units, min(ts_utc) as first_ts, max(ts_utc) as last_ts
    from int_paid_draws
    group by all
),

final as (
    select * from free_draws
    union all
    select * from paid_draws
)

select * from final
