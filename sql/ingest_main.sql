-- ingest_main: the records of the file being ingested that are not duplicates, each routed to
-- the warehouse file it belongs in; written in one pass, partitioned by `part`.
-- Grain: one row per record (valid or not) that ingest_duplicates.sql did not report, in
-- source-line order (the read_csv WITH ORDINALITY path runs on one thread, so every operator
-- here keeps the order of the file, the anti-join against the duplicates included).
-- The routing (`part`, columns) is ingest_routed.sql, the view `ingest_routed`. For a plain JSON
-- Lines file ingest.py drops the duplicates from the lines it streams instead and writes
-- `ingest_routed` in one ordered COPY, split by part afterwards (ingest._write_parts).
select * exclude (source_row)
from ingest_routed
where source_row not in (select source_row from ingest_dups)
