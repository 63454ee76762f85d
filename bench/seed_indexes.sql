-- seed_indexes.sql - builds half (psql variable half: 0 or 1) of the secondary indexes
-- bench/seed.sql dropped before its load, so that two sessions build them side by side on
-- two cores: the trigram GIN indexes first (the slowest), then by table size, dealt out in
-- turn. Each build runs without parallel workers: the other session has the other core.
\set ON_ERROR_STOP on
SET maintenance_work_mem = '256MB';
SET max_parallel_maintenance_workers = 0;
SELECT def FROM (SELECT def, row_number() OVER (ORDER BY gin DESC,
                        pg_relation_size(tab::regclass) DESC, name) AS n
                   FROM bench_indexes) x
 WHERE n % 2 = :half ORDER BY n \gexec
