-- int_postpaid_off_calls: the month's calls whose postpaid units came while postpaid mode was
-- known to be off (R25): billed, but their usage line is flagged `postpaid_not_enabled`.
-- Grain: one row per (request_id, billing_item) of int_free_draws with postpaid units > 0, for
-- the accounts that have a `postpaid` or an `account` event (without either, nothing is flagged).
with

params as (select * from stg_run_params),

-- R25 speaks only of accounts with a postpaid switch or an account event: the few calls to check
mode_owners as (
    select distinct owner_uin from events where event_type in ('postpaid', 'account')
),

calls as (
    select draws.*
    from int_free_draws as draws
    semi join mode_owners using (owner_uin)
    where draws.site = 'domestic' and draws.residual_units > 0
),

prepaid as (
    select request_id, billing_item, sum(units) as prepaid_units
    from int_paid_draws
    group by all
),

postpaid_calls as (
    select calls.*, calls.residual_units - coalesce(prepaid.prepaid_units, 0) as postpaid_units
    from calls
    left join prepaid using (request_id, billing_item)
    cross join params
    where calls.billing_month = params.billing_month
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
        calls.request_id, calls.ts_utc, calls.billing_month, calls.owner_uin, calls.billing_item,
        calls.postpaid_units
    from postpaid_calls as calls
    -- the latest switch strictly before the call decides
    left join postpaid_switches as switches
        on switches.owner_uin = calls.owner_uin
        and switches."at" < calls.ts_utc
        and calls.ts_utc <= coalesce(switches.next_at, timestamp 'infinity')
    left join opened on opened.owner_uin = calls.owner_uin
    where calls.postpaid_units > 0
      and coalesce(not switches.enabled, opened.opened_after_cutoff, false)
)

select * from final
