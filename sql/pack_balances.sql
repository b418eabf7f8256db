-- pack_balances: every pack that lives in the month, as it stands at month end (spec §3).
-- Grain: one row per pack: paid packs bought (or back-dated to start) before month end that had
-- not stopped serving before the month began, were refunded in the month, or were bought in the
-- month (R12 charges them there, even back-dated to an earlier expiry); free packs that overlap
-- the month.
-- Timestamps are UTC.
with

params as (select * from stg_run_params),

packs as (select * from int_packs),

draws as (
    select
        draws.pack_id,
        sum(draws.units) filter (where draws.billing_month = params.billing_month) as used_in_month,
        sum(draws.units) as used_total
    from int_pack_usage as draws, params
    group by all
),

final as (
    select
        params.billing_month,
        packs.pack_id,
        packs.owner_uin,
        packs.billing_item,
        packs.kind,
        packs.size,
        packs.effective_at,
        packs.expires_at,
        cast(coalesce(draws.used_in_month, 0) as bigint) as used_in_month,
        cast(coalesce(draws.used_total, 0) as bigint) as used_total,
        cast(packs.size - coalesce(draws.used_total, 0) as bigint) as remaining,
        -- a pack used up is `exhausted` even if its validity also ended: nothing was lost
        case
            when packs.refunded_at is not null and packs.refunded_at < params.month_end then 'refunded'
            when packs.size - coalesce(draws.used_total, 0) = 0 then 'exhausted'
            when packs.expires_at <= params.month_end then 'expired'
            else 'active'
        end as status
    from packs
    left join draws using (pack_id)
    cross join params
    where packs.listed_from < params.month_end
      and (
          packs.serves_until > params.month_start
          or packs.refunded_at >= params.month_start and packs.refunded_at < params.month_end
          or packs.purchased_at >= params.month_start and packs.purchased_at < params.month_end
      )
)

select * from final
order by owner_uin, billing_item, kind, effective_at, pack_id
