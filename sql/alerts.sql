-- alerts: the month's pack balance alerts (R22, spec §3 `alerts`).
-- Grain: one row per (pack_id, kind), kind 'low' | 'exhausted', for crossings whose triggering
-- call is in the rated month. Free packs count as packs (R22). A pack's remainder only goes down,
-- so each threshold is crossed by exactly one call: `low` when the call takes the remainder below
-- 20% of the size (5 × remaining < size, exact integers), `exhausted` when it takes it to 0 (one
-- call may do both). The alert is raised only if, when that unit is drawn, the pack is the
-- item's only usable pack: no other pack of the (owner, item) is effective, still serving
-- (not expired, not refunded: int_packs.serves_until) and has units left at that moment.
-- Inside one call units meet the packs in R8 order (free first, then paid by effective_at,
-- pack_id), so a pack that the same call emptied before this one no longer counts, and one the
-- call reaches only after this one still does.
with

params as (select * from stg_run_params),

packs as (select * from int_packs),

draws as not materialized (select * from int_pack_draws),

-- R8: the order in which one call's units meet the packs of an (owner, item)
ranked_packs as (
    select
        pack_id, owner_uin, billing_item, size, effective_at, serves_until,
        row(case when kind = 'paid' then 1 else 0 end, effective_at, pack_id) as draw_order
    from packs
),

-- packs whose remainder ends below 20% of the size: only their draws can cross a threshold
alerting_packs as (
    select ranked_packs.pack_id, ranked_packs.size
    from ranked_packs
    join (select pack_id, sum(units) as used_total from draws group by all) as used using (pack_id)
    where 5 * (ranked_packs.size - used.used_total) < ranked_packs.size
),

-- per alerting pack and UTC day: the units drawn before the day and through it
pack_days as (
    select
        pack_id,
        draw_day,
        size,
        sum(day_units) over (
            partition by pack_id order by draw_day rows between unbounded preceding and current row
        ) as units_through_day,
        units_through_day - day_units as units_before_day
    from (
        select
            draws.pack_id, cast(draws.ts_utc as date) as draw_day,
            any_value(alerting_packs.size) as size, sum(draws.units) as day_units
        from draws
        join alerting_packs using (pack_id)
        group by all
    )
),

-- the days whose calls cross a threshold: the remainder goes from >= 20% of the size to below
-- it, or to 0. Only their calls need the (ts, request_id) order.
crossing_days as (
    select pack_id, draw_day, units_before_day
    from pack_days
    where (5 * (size - units_through_day) < size and 5 * (size - units_before_day) >= size)
       or size - units_through_day = 0
),

-- the pack's remainder after each call of those days that drew from it, in (ts, request_id)
-- order
running as (
    select
        draws.pack_id, draws.request_id, draws.ts_utc, draws.billing_month,
        draws.owner_uin, draws.billing_item, draws.units, alerting_packs.size,
        alerting_packs.size - crossing_days.units_before_day - sum(draws.units) over (
            partition by draws.pack_id, crossing_days.draw_day
            order by draws.ts_utc, draws.request_id
            rows between unbounded preceding and current row
        ) as remaining_after
    from draws
    join alerting_packs using (pack_id)
    join crossing_days
        on crossing_days.pack_id = draws.pack_id
        and crossing_days.draw_day = cast(draws.ts_utc as date)
),

-- R22 thresholds: at most one call per (pack, kind); every month, so emptied packs are known
crossings as (
    select *, 'low' as kind
    from running
    where 5 * remaining_after < size and 5 * (remaining_after + units) >= size
    union all
    select *, 'exhausted' as kind
    from running
    where remaining_after = 0
),

-- the call that took each pack to 0
emptied as (
    select pack_id, ts_utc as emptied_at, request_id as emptied_by
    from crossings
    where kind = 'exhausted'
),

-- the crossing calls of the rated month (few): only these are checked against other packs
month_crossing_calls as (
    select distinct crossings.pack_id, crossings.request_id, crossings.ts_utc,
           crossings.owner_uin, crossings.billing_item
    from crossings, params
    where crossings.billing_month = params.billing_month
),

-- R22 "only usable pack": crossing calls at which another pack of the item was usable with
-- units left when the crossing unit was drawn
shared as (
    select distinct calls.pack_id, calls.request_id
    from month_crossing_calls as calls
    join ranked_packs as this_pack on this_pack.pack_id = calls.pack_id
    join ranked_packs as other
        on other.owner_uin = calls.owner_uin
        and other.billing_item = calls.billing_item
        and other.pack_id <> calls.pack_id
        and other.effective_at <= calls.ts_utc
        and calls.ts_utc < other.serves_until
        and other.size > 0
    left join emptied on emptied.pack_id = other.pack_id
    where emptied.pack_id is null
       -- emptied by a later call
       or row(emptied.emptied_at, emptied.emptied_by) > row(calls.ts_utc, calls.request_id)
       -- emptied by this same call, but only after this pack's units (R8 order inside a call)
       or (emptied.emptied_by = calls.request_id and emptied.emptied_at = calls.ts_utc
           and other.draw_order > this_pack.draw_order)
),

final as (
    select
        params.billing_month,
        crossings.owner_uin,
        crossings.billing_item,
        crossings.pack_id,
        crossings.kind,
        crossings.ts_utc as triggered_at,
        crossings.request_id
    from crossings
    cross join params
    where crossings.billing_month = params.billing_month
      and not exists (
          select 1 from shared
          where shared.pack_id = crossings.pack_id and shared.request_id = crossings.request_id
      )
)

select * from final
order by owner_uin, billing_item, pack_id, kind
