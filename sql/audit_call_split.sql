-- audit_call_split: parts whose units do not split exactly into free + residual, or with a
-- negative part (R8); and paid-pack segments whose residual units were not all either drawn from
-- a pack or left postpaid, exactly once, in positive pieces (int_paid_draws). Empty = pass.
with

free_split as (
    select
        'free split' as problem,
        concat_ws(' ', owner_uin, billing_item, billing_month, draw_day, request_id) as part,
        units, free_units as split_units
    from int_free_draws
    where free_units < 0 or residual_units < 0 or free_units + residual_units <> units
),

demand as (
    select owner_uin, billing_item, seg_start, sum(residual_units) as units
    from int_paid_demand
    group by all
),

drawn as (
    select owner_uin, billing_item, seg_start, sum(units) as units, min(units) as smallest
    from int_paid_draws
    group by all
),

paid_split as (
    select
        'paid split' as problem,
        concat_ws(' ', owner_uin, billing_item, seg_start) as part,
        demand.units, drawn.units as split_units
    from demand
    full join drawn using (owner_uin, billing_item, seg_start)
    where demand.units is distinct from drawn.units or drawn.smallest <= 0
),

final as (
    select * from free_split
    union all
    select * from paid_split
)

select * from final
