-- int_paid_segments: units wanted by paid packs in each segment of an (owner, item) timeline.
-- Grain: one row per (owner_uin, billing_item, seg_start). Input of the segment allocator
-- (rate.allocate_segments), which walks segments, not calls.
with

demand as (select * from int_paid_demand),

final as (
    select owner_uin, billing_item, seg_start, sum(residual_units) as seg_units
    from demand
    group by all
)

select * from final
