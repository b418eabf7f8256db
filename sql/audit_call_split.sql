-- audit_call_split: calls whose units do not split exactly into free + prepaid + postpaid with
-- no negative part (R8): free + residual = units, and the paid packs took no more than the
-- residual (int_paid_demand holds the residual of every call that paid packs may serve).
-- Empty = pass.
with

free_split as (
    select request_id, billing_item, units, free_units, residual_units, null as prepaid_units
    from int_free_draws
    where free_units < 0 or residual_units < 0 or free_units + residual_units <> units
),

prepaid as (
    select request_id, billing_item, sum(units) as prepaid_units
    from int_paid_draws
    group by all
),

paid_split as (
    select
        prepaid.request_id, prepaid.billing_item, null as units, null as free_units,
        demand.residual_units, prepaid.prepaid_units
    from prepaid
    left join int_paid_demand as demand using (request_id, billing_item)
    where demand.residual_units is null
       or prepaid.prepaid_units <= 0
       or prepaid.prepaid_units > demand.residual_units
),

final as (
    select * from free_split
    union all
    select * from paid_split
)

select * from final
