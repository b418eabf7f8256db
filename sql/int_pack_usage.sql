-- int_pack_usage: the units drawn from each pack, free and paid, per billing month and UTC day
-- (R6–R8). Grain: one row per (pack_id, billing_month, draw_day) with units > 0.
-- Balances, audits and alerts need only these sums.
with

draws as (select * from int_pack_draws),

final as (
    select
        pack_id, billing_month, draw_day,
        sum(units) as units, min(first_ts) as first_ts, max(last_ts) as last_ts
    from draws
    group by all
)

select * from final
