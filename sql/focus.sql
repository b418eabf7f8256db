-- focus: the month's charges (bill_lines) in the FinOps FOCUS 1.2 format (spec §3).
-- Grain: one row per charge and coverage:
--   * a `usage` bill line gives up to three rows, one per coverage with a quantity > 0
--     (x_Coverage `free` = free-quota units, `prepaid` = units drawn from resource packs,
--     `postpaid` = units billed on the ladder). Free and prepaid rows have BilledCost 0; the
--     postpaid row carries the line's amount (R9, already rounded);
--   * every other bill line gives one row.
-- Every one of the 57 FOCUS 1.2 columns is present, in the spec's (alphabetical) order, followed
-- by the ocrbill dimensions as x_ columns. Money is DECIMAL(18,2) CNY, unit prices and quantities
-- DECIMAL(18,6), date-times TIMESTAMPTZ (UTC instants), everything else VARCHAR.
--
-- Mapping decisions (FOCUS 1.2 column text in brackets):
--   usage          -> ChargeCategory Usage, ChargeFrequency Usage-Based, PricingUnit/ConsumedUnit
--                     'Requests' (a billable unit: a request, a recognised image or ticket, R4).
--   pack_purchase  -> Purchase, One-Time, PricingQuantity 1, PricingUnit 'Packs' (R12).
--   pack_refund    -> Purchase with a negative cost and PricingQuantity -1 ["Purchase: positive or
--                     negative charges for the acquisition of a service ... including refunds";
--                     Credit is for provider-granted credits, so not used] (R20). ChargeClass is
--                     'Correction' only when the refunded pack was bought in an earlier (already
--                     invoiced) month, i.e. when this month has no pack_purchase line for the same
--                     pack ["MUST be null when ... a correction within the current billing
--                     period"].
--   qps_pack       -> Purchase, One-Time, PricingQuantity 1, PricingUnit 'Packs' (R21).
--   adjustment     -> Adjustment, One-Time; no quantity, unit or unit prices; List/Contracted cost
--                     = BilledCost (nothing to price it against).
--   ListUnitPrice  = the list price of the line's tier (cur_price_ladders at site, item and
--                    tier_from); NULL when there is none (联系商务 R10, no international
--                    price R11), and then ListCost is 0. A knowing deviation: FOCUS wants a
--                    list price on Usage rows, but the price list has none to give.
--   ContractedUnitPrice = the unit price actually applied (list, or contract price R10); NULL when
--                    unpriced (ContractedCost then 0, like the line amount).
--   List/ContractedCost = unit price × PricingQuantity rounded half-up to 0.01 (R9: once per row).
--   Purchase rows: ListUnitPrice = the pack's published price ["exclusive of any discounts"]:
--                    pack_prices.csv for its item and size on the purchase day (the seed's pack
--                    bought at 84 lists at 120), else (a size the price list lacks, QPS packs)
--                    the price paid; ContractedUnitPrice = the price paid (R12), the refund's
--                    amount on a refund row.
--   EffectiveCost  ["MUST be 0 when ChargeCategory is Purchase and the purchase is intended to
--                    cover future eligible charges"]: 0 on pack purchase and refund rows; the
--                    packs are amortised onto the usage they cover: a `prepaid` row carries
--                    units × charged price / size of each paid pack it drew from this month,
--                    in fen, each pack's share rounded half-up to 0.01, then summed. A pack's
--                    expired remainder is never amortised. Free rows 0; postpaid rows, QPS
--                    packs (a fee for capacity, not a prepayment of usage) and adjustments:
--                    = BilledCost.
--   PricingCategory 'Standard' on Usage and Purchase rows (flat, tiered and negotiated prices);
--                    resource packs are not modelled as commitment discounts, so every
--                    CommitmentDiscount* and CapacityReservation* column is a typed NULL.
--   Accounts: BillingAccountId = SubAccountId = owner_uin (R2: sub-account usage rolls up to the
--                    owner, bill_lines has no uin); names = the uin (no display names exist).
--   Location: RegionId/RegionName/AvailabilityZone NULL (lines are per site, not per region);
--                    x_Site says domestic/international (R3).
--   Tags: '{}' (a key-value JSON object as VARCHAR): call logs carry no user tags.
--   Periods: BillingPeriod* and ChargePeriod* = the billing month in Asia/Shanghai (R1) as UTC
--                    instants, end exclusive.
with

params as (select * from stg_run_params),

lines as (select * from bill_lines),

ladders as (select * from cur_price_ladders),

paid_packs as (select * from int_paid_packs),

pack_usage as (select * from int_pack_usage),

-- R9/R10/R11: the list price of the tier the line was priced at (NULL = none published)
usage_lines as (
    select
        lines.*,
        ladders.unit_price as list_unit_price
    from lines
    left join ladders
        on lines.site = ladders.site
        and lines.billing_item = ladders.billing_item
        and lines.tier_from = ladders.tier_from
    where lines.charge_type = 'usage'
),

-- EffectiveCost of pack-covered usage: each paid pack's draws this month at its charged price
-- per unit (R12), in integer fen (DuckDB divides decimals as doubles), half-up per pack
pack_amortisation as (
    select
        packs.owner_uin,
        packs.billing_item,
        sum((2 * drawn.units * packs.price_fen + packs.size) // (2 * packs.size)) as fen
    from (
        select usage.pack_id, sum(usage.units)::hugeint as units
        from pack_usage as usage, params
        where usage.billing_month = params.billing_month
        group by usage.pack_id
    ) as drawn
    join (
        select pack_id, owner_uin, billing_item, size::hugeint as size,
               cast(coalesce(charged_price, 0) * 100 as hugeint) as price_fen
        from paid_packs
    ) as packs using (pack_id)
    group by packs.owner_uin, packs.billing_item
),

-- one row per coverage with units (free + prepaid + postpaid = billable, spec §3)
usage_coverage as (
    select *, 'free' as coverage, free_units as quantity
    from usage_lines
    where free_units > 0
    union all
    select *, 'prepaid' as coverage, prepaid_units as quantity
    from usage_lines
    where prepaid_units > 0
    union all
    select *, 'postpaid' as coverage, postpaid_units as quantity
    from usage_lines
    where postpaid_units > 0 or amount <> 0
),

usage_charges as (
    select
        owner_uin,
        site,
        billing_item,
        charge_type,
        ref_id,
        tier_from,
        flags,
        coverage,
        'Usage' as charge_category,
        cast(null as varchar) as charge_class,
        'Usage-Based' as charge_frequency,
        billing_item
            || case coverage
                when 'free' then ' usage covered by the free quota'
                when 'prepaid' then ' usage covered by prepaid resource packs'
                else ' postpaid usage'
                    || coalesce(' at the tier from ' || tier_from || ' units', '')
                    || case when flags <> '' then ' [' || flags || ']' else '' end
            end
            as charge_description,
        cast(quantity as decimal(18, 6)) as pricing_quantity,
        'Requests' as pricing_unit,
        cast(list_unit_price as decimal(18, 6)) as list_unit_price,
        cast(unit_price as decimal(18, 6)) as contracted_unit_price,
        cast(case when coverage = 'postpaid' then amount else 0 end as decimal(18, 2))
            as billed_cost,
        cast(
            case coverage
                when 'postpaid' then amount
                when 'prepaid' then coalesce(amortised_fen, 0) * 0.01
                else 0
            end as decimal(18, 2)
        ) as effective_cost,
        billing_item as sku_id,
        concat_ws('|', billing_item, site, 'tier ' || tier_from) as sku_price_id,
        'Requests' as sku_meter,
        cast(quantity as decimal(18, 6)) as consumed_quantity,
        'Requests' as consumed_unit,
        'Standard' as pricing_category
    from usage_coverage
    left join (select owner_uin, billing_item, fen as amortised_fen, 'domestic' as site from pack_amortisation)
        using (owner_uin, billing_item, site)
),

-- pack purchases and refunds (R12, R20) and QPS add-on packs (R21)
purchase_lines as (
    select
        lines.*,
        packs.list_price as pack_list_price,  -- pack_prices.csv on the purchase day (R12)
        exists (
            select 1
            from lines as bought
            where bought.charge_type = 'pack_purchase'
              and bought.owner_uin = lines.owner_uin
              and bought.ref_id = lines.ref_id
        ) as bought_this_month
    from lines
    left join paid_packs as packs
        on lines.charge_type in ('pack_purchase', 'pack_refund') and packs.pack_id = lines.ref_id
    where lines.charge_type in ('pack_purchase', 'pack_refund', 'qps_pack')
),

purchase_charges as (
    select
        owner_uin,
        site,
        billing_item,
        charge_type,
        ref_id,
        tier_from,
        flags,
        cast(null as varchar) as coverage,
        'Purchase' as charge_category,
        case
            when charge_type = 'pack_refund' and not bought_this_month then 'Correction'
        end as charge_class,
        'One-Time' as charge_frequency,
        billing_item
            || case charge_type
                when 'pack_purchase' then ' prepaid resource pack purchase'
                when 'pack_refund' then ' prepaid resource pack refund'
                else ' QPS add-on pack purchase'
            end
            || coalesce(' ' || ref_id, '')
            || case when flags <> '' then ' [' || flags || ']' else '' end
            as charge_description,
        cast(case when charge_type = 'pack_refund' then -1 else 1 end as decimal(18, 6))
            as pricing_quantity,
        'Packs' as pricing_unit,
        cast(coalesce(pack_list_price, abs(amount)) as decimal(18, 6)) as list_unit_price,
        cast(abs(amount) as decimal(18, 6)) as contracted_unit_price,
        cast(amount as decimal(18, 2)) as billed_cost,
        cast(case when charge_type = 'qps_pack' then amount else 0 end as decimal(18, 2))
            as effective_cost,
        billing_item || case when charge_type = 'qps_pack' then ' QPS pack' else ' pack' end
            as sku_id,
        billing_item || case when charge_type = 'qps_pack' then ' QPS pack' else ' pack' end
            as sku_price_id,
        case when charge_type = 'qps_pack' then 'QPS' else 'Requests' end as sku_meter,
        cast(null as decimal(18, 6)) as consumed_quantity,
        cast(null as varchar) as consumed_unit,
        'Standard' as pricing_category
    from purchase_lines
),

-- anything the provider applies that is not usage or a purchase
adjustment_charges as (
    select
        owner_uin,
        site,
        billing_item,
        charge_type,
        ref_id,
        tier_from,
        flags,
        cast(null as varchar) as coverage,
        'Adjustment' as charge_category,
        cast(null as varchar) as charge_class,
        'One-Time' as charge_frequency,
        coalesce(billing_item || ' ', '') || 'billing adjustment'
            || coalesce(' ' || ref_id, '')
            || case when flags <> '' then ' [' || flags || ']' else '' end
            as charge_description,
        cast(null as decimal(18, 6)) as pricing_quantity,
        cast(null as varchar) as pricing_unit,
        cast(null as decimal(18, 6)) as list_unit_price,
        cast(null as decimal(18, 6)) as contracted_unit_price,
        cast(amount as decimal(18, 2)) as billed_cost,
        cast(amount as decimal(18, 2)) as effective_cost,
        cast(null as varchar) as sku_id,
        cast(null as varchar) as sku_price_id,
        cast(null as varchar) as sku_meter,
        cast(null as decimal(18, 6)) as consumed_quantity,
        cast(null as varchar) as consumed_unit,
        cast(null as varchar) as pricing_category
    from lines
    where charge_type not in ('usage', 'pack_purchase', 'pack_refund', 'qps_pack')
),

charges as (
    select * from usage_charges
    union all by name
    select * from purchase_charges
    union all by name
    select * from adjustment_charges
),

-- R9: every derived cost is rounded half-up to 0.01 once per row; the product is taken at 38
-- digits (two DECIMAL(18,6) multiply to 12 decimals, which 18 digits overflow from 1,000,000 on)
costed as (
    select
        charges.*,
        cast(
            case
                when charge_category = 'Adjustment' then billed_cost
                else coalesce(round(list_unit_price::decimal(38, 6) * pricing_quantity, 2), 0)
            end as decimal(18, 2)
        ) as list_cost,
        cast(
            case
                when charge_category = 'Adjustment' then billed_cost
                else coalesce(round(contracted_unit_price::decimal(38, 6) * pricing_quantity, 2), 0)
            end as decimal(18, 2)
        ) as contracted_cost
    from charges
),

final as (
    select
        cast(null as varchar) as AvailabilityZone,
        costed.billed_cost as BilledCost,
        costed.owner_uin as BillingAccountId,
        costed.owner_uin as BillingAccountName,
        'Main Account' as BillingAccountType,
        'CNY' as BillingCurrency,
        timezone('UTC', params.month_end) as BillingPeriodEnd,
        timezone('UTC', params.month_start) as BillingPeriodStart,
        cast(null as varchar) as CapacityReservationId,
        cast(null as varchar) as CapacityReservationStatus,
        costed.charge_category as ChargeCategory,
        costed.charge_class as ChargeClass,
        costed.charge_description as ChargeDescription,
        costed.charge_frequency as ChargeFrequency,
        timezone('UTC', params.month_end) as ChargePeriodEnd,
        timezone('UTC', params.month_start) as ChargePeriodStart,
        cast(null as varchar) as CommitmentDiscountCategory,
        cast(null as varchar) as CommitmentDiscountId,
        cast(null as varchar) as CommitmentDiscountName,
        cast(null as decimal(18, 6)) as CommitmentDiscountQuantity,
        cast(null as varchar) as CommitmentDiscountStatus,
        cast(null as varchar) as CommitmentDiscountType,
        cast(null as varchar) as CommitmentDiscountUnit,
        costed.consumed_quantity as ConsumedQuantity,
        costed.consumed_unit as ConsumedUnit,
        costed.contracted_cost as ContractedCost,
        costed.contracted_unit_price as ContractedUnitPrice,
        costed.effective_cost as EffectiveCost,
        cast(null as varchar) as InvoiceId,
        'Tencent Cloud' as InvoiceIssuerName,
        costed.list_cost as ListCost,
        costed.list_unit_price as ListUnitPrice,
        costed.pricing_category as PricingCategory,
        'CNY' as PricingCurrency,
        costed.contracted_unit_price as PricingCurrencyContractedUnitPrice,
        costed.effective_cost as PricingCurrencyEffectiveCost,
        costed.list_unit_price as PricingCurrencyListUnitPrice,
        costed.pricing_quantity as PricingQuantity,
        costed.pricing_unit as PricingUnit,
        'Tencent Cloud' as ProviderName,
        'Tencent Cloud' as PublisherName,
        cast(null as varchar) as RegionId,
        cast(null as varchar) as RegionName,
        cast(null as varchar) as ResourceId,
        cast(null as varchar) as ResourceName,
        cast(null as varchar) as ResourceType,
        'AI and Machine Learning' as ServiceCategory,
        'OCR' as ServiceName,
        'Other (AI and Machine Learning)' as ServiceSubcategory,
        costed.sku_id as SkuId,
        costed.sku_meter as SkuMeter,
        cast(null as varchar) as SkuPriceDetails,
        costed.sku_price_id as SkuPriceId,
        costed.owner_uin as SubAccountId,
        costed.owner_uin as SubAccountName,
        'Main Account' as SubAccountType,
        '{}' as Tags,
        params.billing_month as x_BillingMonth,
        costed.site as x_Site,
        costed.charge_type as x_ChargeType,
        costed.billing_item as x_BillingItem,
        costed.ref_id as x_RefId,
        costed.coverage as x_Coverage,
        costed.tier_from as x_TierFrom,
        costed.flags as x_Flags
    from costed, params
)

select * from final
order by
    BillingAccountId,
    x_ChargeType,
    x_Site,
    x_BillingItem nulls first,
    x_RefId nulls first,
    case x_Coverage when 'free' then 1 when 'prepaid' then 2 when 'postpaid' then 3 else 0 end
