-- cur_billing_items: billing items (resource packs) as in force on the month's first day.
-- Grain: one row per billing_item (the latest valid_from on or before the 1st).
with

params as (select * from stg_run_params),

final as (
    select items.*
    from ref_billing_items as items, params
    where items.valid_from <= params.month_first_day
    qualify row_number() over (partition by billing_item order by valid_from desc) = 1
)

select * from final
