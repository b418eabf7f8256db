-- ingest_dims: the reference lookups ingestion validates against, one row per key.
-- Built from the ref_* tables (reference.load_reference). Ingestion checks membership only:
-- an action, region, ticket Type or error code is known if any valid_from version lists it;
-- a region's site is taken from its latest version (sites do not move between versions).
create or replace temp table ingest_dim_actions as
select action, bool_or(billing_rule = 'per_ticket') as per_ticket  -- R4a: MixedInvoiceOCR
from ref_interfaces
where action is not null
group by action;

create or replace temp table ingest_dim_regions as
select region, arg_max(site, valid_from) as site  -- R3
from ref_regions
where region is not null
group by region;

create or replace temp table ingest_dim_ticket_types as
select distinct type_code from ref_ticket_types where type_code is not null;

create or replace temp table ingest_dim_error_codes as
select distinct error_code from ref_error_codes where error_code is not null;

-- The same lookups as constants for stg_calls.sql: a MAP or list lookup is a scalar function, so
-- the validation pass has no join (a hash join would put the whole file in a hash table when the
-- optimizer misjudges which side is small, and need not keep the order of the file).
set variable ingest_action_per_ticket = (
    select coalesce(map(list(action order by action), list(coalesce(per_ticket, false) order by action)), map())
    from ingest_dim_actions
);

set variable ingest_region_site = (
    select coalesce(map(list(region order by region), list(site order by region)), map())
    from ingest_dim_regions
);

set variable ingest_ticket_types = (
    select coalesce(list(type_code order by type_code), [])
    from ingest_dim_ticket_types
);

set variable ingest_error_codes = (
    select coalesce(list(error_code order by error_code), [])
    from ingest_dim_error_codes
);

set variable ingest_error_code_set = (
    select coalesce(map(list(error_code order by error_code), list(true order by error_code)), map())
    from ingest_dim_error_codes
);
