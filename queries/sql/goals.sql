-- Shared goals: goals with their owners, check-ins, daily snapshots. See docs/goals.md.

-- name: goals_list
-- Goals with their owners, objective title, latest check-in and (manual goals) latest entered value.
-- Filters (null / empty array = no restriction): period overlap [:start_date, :end_date],
-- :goal_ids, an owner in :team_ids, an owner among :owner_ids; archived goals only when
-- :include_archived. Objectives come before their key results.
select g.id, g.parent_id, p.title as parent_title, g.title, g.why, g.period_kind, g.start_date, g.end_date,
       g.metric, g.unit, g.unit_label, g.target, g.lower_is_better, g.cumulative,
       g.scope_team_ids, g.scope_sources, g.scope_industries, g.scope_countries, g.scope_tiers,
       g.archived_at, g.version, g.measure_version, g.created_at, g.updated_at,
       coalesce(w.owner_rep_ids, '{}') as owner_rep_ids,
       coalesce(w.owner_names, '{}') as owner_names,
       coalesce(w.owner_team_ids, '{}') as owner_team_ids,
       coalesce(w.owner_team_names, '{}') as owner_team_names,
       coalesce(w.owner_functions, '{}') as owner_functions,
       lc.id as checkin_id, lc.created_at as checkin_at, lc.confidence as checkin_confidence,
       lc.narrative as checkin_narrative, lc.blockers as checkin_blockers,
       lc.needs_from_other_team as checkin_needs, lc.value as checkin_value, lc.author as checkin_author,
       lv.value as manual_value,
       (select count(*) from goal k where k.parent_id = g.id and k.archived_at is null) as key_results
  from goal g
  left join goal p on p.id = g.parent_id
  left join lateral (
      select array_agg(r.id order by t.function, r.full_name) as owner_rep_ids,
             array_agg(r.full_name order by t.function, r.full_name) as owner_names,
             array_agg(r.team_id::integer order by t.function, r.full_name) as owner_team_ids,
             array_agg(t.name order by t.function, r.full_name) as owner_team_names,
             array_agg(t.function order by t.function, r.full_name) as owner_functions
        from goal_owner o
        join rep r on r.id = o.rep_id
        join team t on t.id = r.team_id
       where o.goal_id = g.id
  ) w on true
  left join lateral (
      select c.id, c.created_at, c.confidence, c.narrative, c.blockers, c.needs_from_other_team, c.value,
             u.display_name as author
        from goal_checkin c
        join app_user u on u.id = c.author_user_id
       where c.goal_id = g.id
       order by c.created_at desc, c.id desc
       limit 1
  ) lc on true
  left join lateral (
      select c.value
        from goal_checkin c
       where c.goal_id = g.id and c.value is not null
       order by c.created_at desc, c.id desc
       limit 1
  ) lv on true
 where (cast(:start_date as date) is null or g.end_date >= cast(:start_date as date))
   and (cast(:end_date as date) is null or g.start_date <= cast(:end_date as date))
   and (cardinality(cast(:goal_ids as integer[])) = 0 or g.id = any(cast(:goal_ids as integer[])))
   and (cast(:include_archived as boolean) or g.archived_at is null)
   and (cardinality(cast(:team_ids as integer[])) = 0
        or exists (select 1 from goal_owner o join rep r on r.id = o.rep_id
                    where o.goal_id = g.id and r.team_id = any(cast(:team_ids as integer[]))))
   and (cardinality(cast(:owner_ids as integer[])) = 0
        or exists (select 1 from goal_owner o
                    where o.goal_id = g.id and o.rep_id = any(cast(:owner_ids as integer[]))))
 order by g.start_date desc, g.end_date, coalesce(p.title, g.title), coalesce(g.parent_id, g.id),
          g.parent_id nulls first, g.title, g.id

-- name: goal_row_for_update
-- Lock one goal for a change; the audit needs its old values (owners included).
select g.id, g.parent_id, g.title, g.why, g.period_kind, g.start_date, g.end_date, g.metric, g.unit,
       g.unit_label, g.target, g.lower_is_better, g.cumulative, g.scope_team_ids, g.scope_sources,
       g.scope_industries, g.scope_countries, g.scope_tiers, g.archived_at, g.version, g.measure_version,
       coalesce((select array_agg(o.rep_id order by o.rep_id) from goal_owner o where o.goal_id = g.id), '{}')
           as owner_rep_ids
  from goal g
 where g.id = :id
   for update of g

-- name: goal_parent_check
-- The objective a key result would hang under: does it exist, is it itself a key result, archived?
select id, parent_id, title, start_date, end_date, archived_at
  from goal
 where id = :id

-- name: goal_same_title
-- Another goal (not archived, not :id) with the same title, ignoring case and spaces around it,
-- whose period overlaps [:start_date, :end_date]: two goals of one name in one period read as one.
select id, title, start_date, end_date
  from goal
 where archived_at is null
   and lower(btrim(title)) = lower(btrim(:title))
   and start_date <= :end_date and end_date >= :start_date
   and id is distinct from cast(:id as integer)
 order by id
 limit 1

-- name: goal_active_children
-- Key results (not archived) under an objective.
select id, version, start_date, end_date
  from goal
 where parent_id = :id and archived_at is null
 order by id

-- name: goal_children_archived_with
-- Key results archived together with their objective (in the same transaction, so at the same
-- now()): restoring the objective restores them; ones archived on their own before stay archived.
select id, version
  from goal
 where parent_id = :id and archived_at = :archived_at
 order by id

-- name: goal_owner_reps
-- The reps proposed as owners, with their team's function (the two-team rule).
select r.id, r.full_name, r.active, t.name as team_name, t.function as team_function
  from rep r
  join team t on t.id = r.team_id
 where r.id = any(cast(:rep_ids as integer[]))

-- name: goal_insert
insert into goal (parent_id, title, why, period_kind, start_date, end_date, metric, unit, unit_label, target,
                  lower_is_better, cumulative, scope_team_ids, scope_sources, scope_industries, scope_countries,
                  scope_tiers, created_by, updated_by)
values (:parent_id, :title, :why, :period_kind, :start_date, :end_date, :metric, :unit, :unit_label, :target,
        :lower_is_better, :cumulative, cast(:scope_team_ids as integer[]), cast(:scope_sources as text[]),
        cast(:scope_industries as text[]), cast(:scope_countries as text[]), cast(:scope_tiers as integer[]),
        :actor_id, :actor_id)
returning id

-- name: goal_update
-- Optimistic lock: applies only when the row still has the version the editor loaded.
-- :measure_changed starts a new snapshot series (the old one is kept).
update goal
   set parent_id = :parent_id, title = :title, why = :why, period_kind = :period_kind,
       start_date = :start_date, end_date = :end_date, metric = :metric, unit = :unit, unit_label = :unit_label,
       target = :target, lower_is_better = :lower_is_better, cumulative = :cumulative,
       scope_team_ids = cast(:scope_team_ids as integer[]), scope_sources = cast(:scope_sources as text[]),
       scope_industries = cast(:scope_industries as text[]), scope_countries = cast(:scope_countries as text[]),
       scope_tiers = cast(:scope_tiers as integer[]),
       measure_version = measure_version + case when cast(:measure_changed as boolean) then 1 else 0 end,
       version = version + 1, updated_at = now(), updated_by = :actor_id
 where id = :id and version = :version and archived_at is null
returning version

-- name: goal_set_archived
-- Archive (:archive true) or restore a goal, under the optimistic lock.
update goal
   set archived_at = case when cast(:archive as boolean) then now() end,
       archived_by = case when cast(:archive as boolean) then cast(:actor_id as integer) end,
       version = version + 1, updated_at = now(), updated_by = :actor_id
 where id = :id and version = :version
   and (archived_at is null) = cast(:archive as boolean)
returning version

-- name: goal_owners_add
insert into goal_owner (goal_id, rep_id)
select :goal_id, unnest(cast(:rep_ids as integer[]))
on conflict do nothing

-- name: goal_owners_remove_others
-- Remove the owners not in :rep_ids.
delete from goal_owner
 where goal_id = :goal_id and not (rep_id = any(cast(:rep_ids as integer[])))

-- name: goal_checkin_insert
insert into goal_checkin (goal_id, author_user_id, confidence, narrative, blockers, needs_from_other_team, value)
values (:goal_id, :author_user_id, :confidence, :narrative, :blockers, :needs, :value)
returning id

-- name: goal_checkins
-- A goal's check-ins, newest first, with their authors.
select c.id, c.goal_id, c.created_at, c.confidence, c.narrative, c.blockers,
       c.needs_from_other_team as needs, c.value, u.display_name as author, r.full_name as author_rep,
       t.function as author_function
  from goal_checkin c
  join app_user u on u.id = c.author_user_id
  left join rep r on r.id = u.rep_id
  left join team t on t.id = r.team_id
 where c.goal_id = :goal_id
 order by c.created_at desc, c.id desc

-- name: goal_manual_values
-- A manual goal's entered values in time order (to know its value at the end of past days).
select created_at, value
  from goal_checkin
 where goal_id = :goal_id and value is not null
 order by created_at, id

-- name: goal_snapshots
-- Daily snapshots of the goals' current measure, with when each was computed (a day's value is
-- written at the first look after the day ends; days before a goal's creation, and days nobody
-- looked at, are filled later, from the data as it was then).
select s.goal_id, s.snapshot_date, s.value, s.computed_at
  from goal_snapshot s
  join goal g on g.id = s.goal_id and g.measure_version = s.measure_version
 where s.goal_id = any(cast(:goal_ids as integer[]))
 order by s.goal_id, s.snapshot_date

-- name: goal_snapshot_latest
-- The latest day with a snapshot of each goal's current measure (days are filled forward from it).
select s.goal_id, max(s.snapshot_date) as latest
  from goal_snapshot s
  join goal g on g.id = s.goal_id and g.measure_version = s.measure_version
 where s.goal_id = any(cast(:goal_ids as integer[]))
 group by s.goal_id

-- name: goal_snapshot_insert
-- Write snapshots; a day that already has one keeps it (the first writer wins, concurrent
-- processes agree through the primary key). computed_at: now, unless :computed_ats gives a
-- moment (the demo seed, whose simulated months of use record each day after it ended).
insert into goal_snapshot (goal_id, measure_version, snapshot_date, value, computed_at)
select g, m, d, v, coalesce(c, now())
  from unnest(cast(:goal_ids as integer[]), cast(:measure_versions as integer[]),
              cast(:days as date[]), cast(:snapshot_values as numeric[]),
              cast(:computed_ats as timestamptz[])) u(g, m, d, v, c)
on conflict do nothing

-- name: goal_audit
-- The change history of one goal (edits, archive, check-ins), newest first.
select a.at, u.display_name as actor, a.action, a.old, a.new
  from audit_log a
  left join app_user u on u.id = a.actor_user_id
 where a.entity = 'goal' and a.entity_id = :entity_id
 order by a.at desc, a.id desc
 limit :limit

-- name: demo_goal_owner_reps
-- Demo seeding: the rep and team function of the demo users that own goals.
select u.username, u.id as user_id, u.rep_id, t.function as team_function
  from app_user u
  join rep r on r.id = u.rep_id
  join team t on t.id = r.team_id
 where u.username = any(cast(:usernames as text[]))

-- name: demo_goal_exists
-- Demo seeding: is there already a goal with this title and start date?
select id from goal where title = :title and start_date = :start_date

-- name: demo_checkin_insert
-- Demo seeding: a check-in at a given moment in the past.
insert into goal_checkin (goal_id, author_user_id, created_at, confidence, narrative, blockers,
                          needs_from_other_team, value)
values (:goal_id, :author_user_id, :created_at, :confidence, :narrative, :blockers, :needs, :value)

-- name: demo_goal_backdate
-- Demo seeding: make a seeded goal look created at the start of its period.
update goal set created_at = :created_at, updated_at = :created_at where id = :id
