-- audit_bill_lines_reconcile: usage lines whose split does not add up, or whose units differ from
-- the month's units counted before any draw (int_unit_days, the sums of int_call_units that the
-- free and paid draws start from) (spec §3: free + prepaid + postpaid = billable). Empty = pass.
with

params as (select * from stg_run_params),

lines as (select * from bill_lines where charge_type = 'usage'),

calls as (
    select owner_uin, site, billing_item, sum(units) as units
    from int_unit_days, params
    where int_unit_days.billing_month = params.billing_month
    group by all
),

final as (
    select lines.owner_uin, lines.site, lines.billing_item, lines.billable_units, calls.units
    from lines
    full join calls using (owner_uin, site, billing_item)
    where lines.free_units + lines.prepaid_units + lines.postpaid_units <> lines.billable_units
       or lines.free_units < 0 or lines.prepaid_units < 0 or lines.postpaid_units < 0
       or lines.billable_units is distinct from calls.units
)

select * from final
