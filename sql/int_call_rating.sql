-- int_call_rating: how each call's units were covered: free, prepaid, postpaid (R8, R11), and
-- whether its postpaid units came while postpaid mode was known to be off (R25).
-- Grain: one row per (request_id, billing_item) of int_call_units.
-- free_units + prepaid_units + postpaid_units = units on every row (audit_call_rating_split).
with

calls as (select * from int_free_draws),

paid_packs as (select pack_id from int_paid_packs),

prepaid as (
    select draws.request_id, draws.billing_item, sum(draws.units) as prepaid_units
    from int_pack_draws as draws
    semi join paid_packs using (pack_id)
    group by all
),

split as (
    select
        calls.request_id, calls.ts_utc, calls.billing_month, calls.owner_uin, calls.site,
        calls.billing_item, calls.units, calls.free_units,
        coalesce(prepaid.prepaid_units, 0) as prepaid_units,
        calls.residual_units - coalesce(prepaid.prepaid_units, 0) as postpaid_units
    from calls
    left join prepaid using (request_id, billing_item)
),

-- each postpaid switch decides from its instant (exclusive) through the next one (inclusive)
postpaid_switches as (
    select
        owner_uin, "at", enabled,
        lead("at") over (partition by owner_uin order by "at", enabled) as next_at
    from events
    where event_type = 'postpaid'
),

-- R25: accounts opened on or after 2021-12-14 (UTC+8) do not switch to postpaid by themselves
opened as (
    select owner_uin, min(opened_at) >= timestamp '2021-12-13 16:00:00' as opened_after_cutoff
    from events
    where event_type = 'account'
    group by all
),

final as (
    select
        split.*,
        split.site = 'domestic'
            and split.postpaid_units > 0
            and coalesce(not switches.enabled, opened.opened_after_cutoff, false) as postpaid_not_enabled
    from split
    -- the latest switch strictly before the call decides
    left join postpaid_switches as switches
        on switches.owner_uin = split.owner_uin
        and switches."at" < split.ts_utc
        and split.ts_utc <= coalesce(switches.next_at, timestamp 'infinity')
    left join opened on opened.owner_uin = split.owner_uin
)

select * from final
