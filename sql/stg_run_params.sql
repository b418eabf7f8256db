-- stg_run_params: the month being rated, as UTC instants (R1: months are Asia/Shanghai, UTC+8).
-- Grain: one row. The month is the session variable `rated_month`, set by rate.py after it was
-- checked against ^\d{4}-\d{2}$ (a constant there, so int_call_units can prune partitions on it).
with

month_text as (
    select cast(getvariable('rated_month') as varchar) as billing_month
),

final as (
    select
        billing_month,
        strptime(billing_month || '-01', '%Y-%m-%d') - interval 8 hour as month_start,
        strptime(billing_month || '-01', '%Y-%m-%d') + interval 1 month - interval 8 hour as month_end,
        cast(strptime(billing_month || '-01', '%Y-%m-%d') as date) as month_first_day
    from month_text
)

select * from final
