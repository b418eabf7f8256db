-- ingest_dims: the reference lookups ingestion validates against, one row per key.
-- Built from the ref_* tables (reference.load_reference). An action, region or ticket Type is
-- known from its first valid_from on (`since`, the UTC instant of that date's 00:00 in
-- Asia/Shanghai, R1): a call before it is quarantined, as the rating would find no version in
-- force for it. Versions only add rows (reference/README.md), so a key known once stays known.
-- A region's site is taken from its latest version (sites do not move between versions).
-- Error codes are checked for membership only: a code not listed on the call's date is not
-- billed, and the run report lists it (report_issues.sql).
create or replace temp table ingest_dim_actions as
select
    action,
    bool_or(billing_rule = 'per_ticket') as per_ticket,  -- R4a: MixedInvoiceOCR
    min(valid_from)::TIMESTAMP - INTERVAL 8 HOUR as since
from ref_interfaces
where action is not null
group by action;

create or replace temp table ingest_dim_regions as
select
    region,
    arg_max(site, valid_from) as site,  -- R3
    min(valid_from)::TIMESTAMP - INTERVAL 8 HOUR as since
from ref_regions
where region is not null
group by region;

create or replace temp table ingest_dim_ticket_types as
select type_code, min(valid_from)::TIMESTAMP - INTERVAL 8 HOUR as since
from ref_ticket_types
where type_code is not null
group by type_code;

create or replace temp table ingest_dim_error_codes as
select distinct error_code from ref_error_codes where error_code is not null;

-- The same lookups as constants for stg_calls.sql: a MAP or list lookup is a scalar function, so
-- the validation pass has no join (a hash join would put the whole file in a hash table when the
-- optimizer misjudges which side is small, and need not keep the order of the file).
set variable ingest_action_per_ticket = (
    select coalesce(map(list(action order by action), list(coalesce(per_ticket, false) order by action)), map())
    from ingest_dim_actions
);

set variable ingest_action_since = (
    select coalesce(map(list(action order by action), list(since order by action)), map())
    from ingest_dim_actions
);

set variable ingest_region_site = (
    select coalesce(map(list(region order by region), list(site order by region)), map())
    from ingest_dim_regions
);

set variable ingest_region_since = (
    select coalesce(map(list(region order by region), list(since order by region)), map())
    from ingest_dim_regions
);

set variable ingest_ticket_since = (
    select coalesce(map(list(type_code order by type_code), list(since order by type_code)), map())
    from ingest_dim_ticket_types
);

-- from this instant on every key above is in force: stg_calls.sql looks up `since` only for
-- earlier calls (none, while every valid_from is 2000-01-01)
set variable ingest_keys_from = (
    select max(since) from (
        select since from ingest_dim_actions
        union all select since from ingest_dim_regions
        union all select since from ingest_dim_ticket_types
    )
);

set variable ingest_error_code_set = (
    select coalesce(map(list(error_code order by error_code), list(true order by error_code)), map())
    from ingest_dim_error_codes
);
