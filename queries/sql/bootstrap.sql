-- First start: the demo load runs once per database, under an advisory lock (several app
-- processes may start together against one new database).

-- name: startup_lock
select pg_advisory_lock(:k)

-- name: startup_unlock
select pg_advisory_unlock(:k)

-- name: app_initialized
-- Set when the database was first set up (demo loaded, or found holding data already).
select 1 from app_setting where key = 'initialized_at'

-- name: has_leads
select exists (select 1 from lead)

-- name: lead_count
select count(*) from lead

-- name: mark_initialized
insert into app_setting (key, value) values ('initialized_at', cast(:v as jsonb))
on conflict (key) do nothing

-- name: reset_cascade_tables
-- Every table `python -m seeds --reset` empties: the data tables (:tables) and, through
-- `truncate ... cascade`, every table whose foreign keys lead to them, however indirectly.
with recursive refs(tbl) as (
    select t::regclass from unnest(cast(:tables as text[])) t
    union
    select c.conrelid::regclass from pg_constraint c join refs r on c.confrelid = r.tbl where c.contype = 'f'
)
select string_agg(tbl::text, ', ' order by tbl::text) from refs
