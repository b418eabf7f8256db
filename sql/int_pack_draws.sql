-- int_pack_draws: units each call drew from each pack, free and paid (R6–R8).
-- Grain: one row per (pack_id, request_id, billing_item) with units > 0. A call whose units
-- span packs has one row per pack. Paid draws intersect the call's unit range inside its
-- segment with the range the allocator gave each pack there.
with

free_draws as (
    select
        free_pack_id as pack_id, request_id, ts_utc, billing_month, owner_uin, billing_item,
        free_units as units
    from int_free_draws
    where free_units > 0
),

paid_draws as (
    select
        allocations.pack_id, demand.request_id, demand.ts_utc, demand.billing_month,
        demand.owner_uin, demand.billing_item,
        least(demand.seg_units_before + demand.residual_units, allocations.alloc_to)
            - greatest(demand.seg_units_before, allocations.alloc_from) as units
    from int_paid_demand as demand
    join int_paid_allocations as allocations
        on allocations.owner_uin = demand.owner_uin
        and allocations.billing_item = demand.billing_item
        and allocations.seg_start = demand.seg_start
        and allocations.alloc_from < demand.seg_units_before + demand.residual_units
        and demand.seg_units_before < allocations.alloc_to
),

final as (
    select * from free_draws
    union all
    select * from paid_draws
)

select * from final
