-- bill_lines: every charge of the month (spec §3).
-- Grain: one row per charge: a `usage` row per (owner_uin, site, billing_item) with billable
-- units, a `pack_purchase` row per pack bought in the month (R12, charged in the month of
-- purchased_at at the price paid, else the list price), a `pack_refund` row per approved
-- refund (R20, negative: price − voucher, in the month of the request), a `qps_pack` row per
-- accepted QPS add-on order (R21, in the month of purchased_at). Charges other than usage are
-- domestic and carry no units.
with

params as (select * from stg_run_params),

usage as (select * from int_usage),

-- R12: packs bought in the month, at the price paid, else the list price
purchases as (
    select
        packs.owner_uin,
        packs.billing_item,
        'pack_purchase' as charge_type,
        packs.pack_id as ref_id,
        cast(null as decimal(18, 6)) as unit_price,
        coalesce(packs.charged_price, 0) as amount,
        case when packs.charged_price is null then 'unpriced' else '' end as flags
    from int_paid_packs as packs, params
    where packs.purchased_at >= params.month_start and packs.purchased_at < params.month_end
),

-- R20: an approved refund is a negative line in the month of the request: price − voucher
refunds as (
    select
        requests.owner_uin,
        requests.billing_item,
        'pack_refund' as charge_type,
        requests.pack_id as ref_id,
        cast(null as decimal(18, 6)) as unit_price,
        -coalesce(requests.refund_amount, 0) as amount,
        '' as flags
    from int_refund_requests as requests
    join int_refund_decisions as decisions using (event_key)
    cross join params
    where decisions.status = 'approved'
      and requests.requested_at >= params.month_start and requests.requested_at < params.month_end
),

-- R21: accepted QPS add-on orders, charged in the month of purchased_at (UTC+8); the line's
-- item is the action's billing item (the action itself when it has none, e.g. MixedInvoiceOCR)
qps_packs as (
    select
        orders.owner_uin,
        coalesce(interfaces.billing_item, orders.action) as billing_item,
        'qps_pack' as charge_type,
        orders.order_id as ref_id,
        cast(orders.unit_price as decimal(18, 6)) as unit_price,
        orders.amount,
        '' as flags
    from int_qps_orders as orders
    cross join params
    asof left join ref_interfaces as interfaces
        on interfaces.action = orders.action
        and cast(orders.purchased_at + interval 8 hour as date) >= interfaces.valid_from
    where orders.status = 'accepted'
      and orders.billing_month = params.billing_month
),

other_charges as (
    select
        params.billing_month,
        charges.owner_uin,
        'domestic' as site,
        charges.billing_item,
        charges.charge_type,
        charges.ref_id,
        0 as calls,
        0 as billable_units,
        0 as free_units,
        0 as prepaid_units,
        0 as postpaid_units,
        cast(null as bigint) as tier_from,
        charges.unit_price,
        cast(charges.amount as decimal(18, 2)) as amount,
        charges.flags
    from (
        select * from purchases
        union all select * from refunds
        union all select * from qps_packs
    ) as charges
    cross join params
),

final as (
    select * from usage
    union all
    select * from other_charges
)

select * from final
order by owner_uin, charge_type, site, billing_item, ref_id
