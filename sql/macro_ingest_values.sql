-- absent_if_blank and not_an_id (macros, not tables): how stg_calls reads a call-log value.
-- DuckDB's JSON reader gives every field as text: a JSON string as its characters, any other JSON
-- value as its JSON text (`{"a":1}`, `[1]`, `true`, `100.5` for 100.5 or 1.005e2, `NaN`).

-- an empty or blank value is absent, as JSON null is (the CSV adapter trims its cells already);
-- `x < '!'` lets only values that start with a space or control character reach the regex
create or replace temp macro absent_if_blank(x) as
    case when x < '!' and regexp_full_match(x, '\s*') then null else x end;

-- an id or an error code is a JSON string, or an integer taken as its digits; an object, list,
-- boolean, fraction or NaN is not one (a float column writes an account 100001 as `100001.0`).
-- Only a value that does not start with a digit, or that holds a point, can be one: the regex
-- runs on those alone (in a projection, `a and regexp(...)` would run it on every row)
create or replace temp macro not_an_id(x) as
    case when x < '0' or x > '9' or contains(x, '.')
        then regexp_full_match(x, '[{\[].*|true|false|NaN|-?Infinity|-?[0-9]+\.[0-9]+')
        else false
    end;
