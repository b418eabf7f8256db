-- int_free_draws: what each call draws from the free packs (R6, R8: free packs first).
-- Grain: one row per (request_id, billing_item) of int_call_units. Free packs of one
-- (owner, item) never overlap in time (audit_free_packs_overlap), so a call meets at most one;
-- the running unit total inside that pack, in (ts, request_id) order, is cut at its size.
with

units as (select * from int_call_units),

free_packs as (select * from int_free_packs),

in_pack as (
    select
        units.*,
        free_packs.pack_id as free_pack_id,
        free_packs.size as free_size,
        sum(units.units) over (
            partition by free_packs.pack_id
            order by units.ts_utc, units.request_id
            rows between unbounded preceding and current row
        ) as cum_units
    from units
    left join free_packs
        on units.site = 'domestic'
        and free_packs.owner_uin = units.owner_uin
        and free_packs.billing_item = units.billing_item
        and free_packs.effective_at <= units.ts_utc
        and units.ts_utc < free_packs.expires_at
),

drawn as (
    select
        *,
        case
            when free_pack_id is null then 0
            else greatest(0, least(cum_units, free_size) - (cum_units - units))
        end as free_units
    from in_pack
),

final as (
    select
        request_id, ts_utc, billing_month, owner_uin, site, billing_item, units,
        free_pack_id, free_units,
        units - free_units as residual_units
    from drawn
)

select * from final
