-- bill_summary: the month's bill per account (spec §3): amounts by charge type and the total,
-- and for accounts with a tracked balance (R23) the balance, the amount due and arrears state.
-- Grain: one row per owner_uin with at least one bill line or a tracked balance by month end.
-- balance: top-ups − pack/QPS charges + refunds − settled bills up to month end, before this
-- month's usage settles; amount_due: this month's usage, settled at 00:00 on day 1 of the next
-- month (UTC+8); balance_after_settlement = balance − amount_due.
-- arrears_state: untracked (no top_up), suspended (R23/R24 suspension open at month end),
-- in_arrears (negative after settlement), ok.
with

params as (select * from stg_run_params),

lines as (select * from bill_lines),

ledger as (select * from int_balance_ledger),

accounts as (
    select owner_uin from lines
    union
    select ledger.owner_uin from ledger, params where ledger."at" < params.month_end
),

amounts as (
    select
        params.billing_month,
        accounts.owner_uin,
        coalesce(sum(amount) filter (where charge_type = 'usage'), 0) as usage_amount,
        coalesce(sum(amount) filter (where charge_type = 'pack_purchase'), 0) as pack_purchase_amount,
        coalesce(sum(amount) filter (where charge_type = 'pack_refund'), 0) as pack_refund_amount,
        coalesce(sum(amount) filter (where charge_type = 'qps_pack'), 0) as qps_pack_amount,
        coalesce(sum(amount) filter (where charge_type = 'adjustment'), 0) as adjustment_amount,
        coalesce(sum(amount), 0) as total_amount
    from accounts
    cross join params
    left join lines using (owner_uin)
    group by all
),

-- every flag of the account's lines, once; apart from the sums, which a line with two flags
-- would otherwise enter twice
account_flags as (
    select owner_uin, string_agg(distinct flag, ';' order by flag) as flags
    from (select owner_uin, unnest(string_split(flags, ';')) as flag from lines)
    where flag <> ''
    group by owner_uin
),

balances as (
    select ledger.owner_uin, sum(ledger.amount) as balance
    from ledger, params
    where ledger."at" < params.month_end
    group by all
),

tracked as (
    select distinct owner_uin from events where event_type = 'top_up'
),

suspended_at_end as (
    select distinct stops.owner_uin
    from int_suspensions as stops, params
    where stops.suspended_from < params.month_end
      and (stops.suspended_until is null or stops.suspended_until >= params.month_end)
),

final as (
    select
        amounts.billing_month,
        amounts.owner_uin,
        cast(amounts.usage_amount as decimal(18, 2)) as usage_amount,
        cast(amounts.pack_purchase_amount as decimal(18, 2)) as pack_purchase_amount,
        cast(amounts.pack_refund_amount as decimal(18, 2)) as pack_refund_amount,
        cast(amounts.qps_pack_amount as decimal(18, 2)) as qps_pack_amount,
        cast(amounts.adjustment_amount as decimal(18, 2)) as adjustment_amount,
        cast(amounts.total_amount as decimal(18, 2)) as total_amount,
        cast(case when tracked.owner_uin is not null then coalesce(balances.balance, 0) end as decimal(18, 2))
            as balance,
        cast(amounts.usage_amount as decimal(18, 2)) as amount_due,
        cast(case when tracked.owner_uin is not null
            then coalesce(balances.balance, 0) - amounts.usage_amount end as decimal(18, 2))
            as balance_after_settlement,
        case
            when tracked.owner_uin is null and suspended_at_end.owner_uin is null then 'untracked'
            when suspended_at_end.owner_uin is not null then 'suspended'
            when coalesce(balances.balance, 0) - amounts.usage_amount < 0 then 'in_arrears'
            else 'ok'
        end as arrears_state,
        coalesce(account_flags.flags, '') as flags
    from amounts
    left join tracked using (owner_uin)
    left join balances using (owner_uin)
    left join suspended_at_end using (owner_uin)
    left join account_flags using (owner_uin)
)

select * from final
order by owner_uin
