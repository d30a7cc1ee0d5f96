-- Meeting mode: meetings, agenda with timer, decisions and action items, frozen snapshots.
-- See docs/meetings.md.

-- name: meetings_list
-- Every meeting, newest first, with its presenter, agenda length and outcome counts.
select m.id, m.title, m.scheduled_at, m.started_at, m.status, m.period_preset, m.frozen_at, m.version,
       p.display_name as presenter,
       coalesce((select sum(a.planned_minutes) from meeting_agenda_item a where a.meeting_id = m.id), 0)
           as planned_minutes,
       (select count(*) from meeting_decision d where d.meeting_id = m.id and d.withdrawn_at is null) as decisions,
       (select count(*) from meeting_action x where x.meeting_id = m.id and x.withdrawn_at is null) as actions,
       (select count(*) from meeting_action x
         where x.meeting_id = m.id and x.withdrawn_at is null and x.status = 'open') as open_actions
  from meeting m
  left join app_user p on p.id = m.presenter_user_id
 order by m.scheduled_at desc, m.id desc

-- name: meeting_get
-- One meeting with the names of its presenter and of whoever froze it.
select m.*, p.display_name as presenter, f.display_name as frozen_by
  from meeting m
  left join app_user p on p.id = m.presenter_user_id
  left join app_user f on f.id = m.frozen_by_user_id
 where m.id = :id

-- name: meeting_for_update
select * from meeting where id = :id for update

-- name: meeting_insert
insert into meeting (title, scheduled_at, presenter_user_id, period_preset, created_by_user_id, updated_by_user_id)
values (:title, :scheduled_at, :presenter_user_id, :period_preset, :actor_user_id, :actor_user_id)
returning id

-- name: meeting_same_time
-- Other meetings planned or running at the same moment (not cancelled or done), for a note.
select title from meeting
 where scheduled_at = :scheduled_at and id <> coalesce(cast(:exclude_id as integer), 0)
   and status in ('planned', 'live')
 order by id

-- name: meeting_update
-- Title, time, presenter, period; only when nobody changed the meeting since :version was read.
update meeting
   set title = :title, scheduled_at = :scheduled_at, presenter_user_id = :presenter_user_id,
       period_preset = :period_preset, version = version + 1, updated_at = now(),
       updated_by_user_id = :actor_user_id
 where id = :id and version = :version
returning version

-- name: meeting_set_status
-- planned -> live (started_at set once) -> done (ended_at); cancelled. Leaving "live" stops the timer.
update meeting
   set status = :status,
       started_at = case when :status = 'live' then coalesce(started_at, :now) else started_at end,
       ended_at = case when :status = 'done' then :now when :status = 'live' then null else ended_at end,
       current_item_id = case when :status = 'live' then current_item_id end,
       current_item_since = case when :status = 'live' then current_item_since end,
       version = version + 1, updated_at = now(), updated_by_user_id = :actor_user_id
 where id = :id and version = :version
returning version

-- name: meeting_freeze
-- Freeze the numbers at :frozen_at (null = back to live numbers).
update meeting
   set frozen_at = cast(:frozen_at as timestamptz),
       frozen_by_user_id = case when cast(:frozen_at as timestamptz) is null then null else :actor_user_id end,
       version = version + 1, updated_at = now(), updated_by_user_id = :actor_user_id
 where id = :id and version = :version
returning version

-- name: meeting_bump
-- A change to the meeting's agenda or outcomes list counts as a change of the meeting.
update meeting
   set version = version + 1, updated_at = now(), updated_by_user_id = :actor_user_id
 where id = :id and version = :version
returning version

-- name: meeting_set_current
-- The presenter moved to another agenda item (the timer's bookkeeping; not an edit: no version bump).
update meeting set current_item_id = :item_id, current_item_since = :now where id = :id

-- name: meeting_agenda
-- A meeting's agenda in order.
select a.id, a.meeting_id, a.kind, a.title, a.position, a.planned_minutes, a.used_seconds
  from meeting_agenda_item a
 where a.meeting_id = :meeting_id
 order by a.position

-- name: meeting_agenda_insert
insert into meeting_agenda_item (meeting_id, kind, title, position, planned_minutes)
values (:meeting_id, :kind, :title, :position, :planned_minutes)
returning id

-- name: meeting_agenda_update
update meeting_agenda_item
   set kind = :kind, title = :title, position = :position, planned_minutes = :planned_minutes
 where id = :id and meeting_id = :meeting_id
returning id

-- name: meeting_agenda_delete_others
-- Remove the items of a meeting that are not in :keep_ids (an edited agenda).
delete from meeting_agenda_item
 where meeting_id = :meeting_id and not (id = any(cast(:keep_ids as integer[])))
returning id, kind, title, position, planned_minutes

-- name: meeting_agenda_add_used
-- Time spent on an item (seconds), added when the presenter leaves it.
update meeting_agenda_item set used_seconds = used_seconds + :seconds where id = :id and meeting_id = :meeting_id

-- name: meeting_decision_insert
-- :created_at null = now (the demo seed backdates).
insert into meeting_decision (meeting_id, agenda_item_id, body, goal_id, criteria_version_id, created_by_user_id,
                              created_at)
values (:meeting_id, :agenda_item_id, :body, :goal_id, :criteria_version_id, :actor_user_id,
        coalesce(cast(:created_at as timestamptz), now()))
returning id

-- name: meeting_action_insert
-- :created_at null = now (the demo seed backdates).
insert into meeting_action (meeting_id, agenda_item_id, body, owner_user_id, owner_rep_id, due_date, goal_id,
                            criteria_version_id, created_by_user_id, created_at)
values (:meeting_id, :agenda_item_id, :body, :owner_user_id, :owner_rep_id, :due_date, :goal_id,
        :criteria_version_id, :actor_user_id, coalesce(cast(:created_at as timestamptz), now()))
returning id

-- name: meeting_decisions
-- The meeting's decisions (not withdrawn), in the order they were taken.
select d.id, d.meeting_id, d.agenda_item_id, d.body, d.goal_id, g.title as goal_title,
       d.criteria_version_id, c.number as criteria_number, c.title as criteria_title,
       a.kind as agenda_kind, a.title as agenda_title,
       d.created_at, u.display_name as created_by, d.version
  from meeting_decision d
  join app_user u on u.id = d.created_by_user_id
  left join goal g on g.id = d.goal_id
  left join criteria_version c on c.id = d.criteria_version_id
  left join meeting_agenda_item a on a.id = d.agenda_item_id
 where d.meeting_id = :meeting_id and d.withdrawn_at is null
 order by d.created_at, d.id

-- name: _meeting_action_rows
-- Action items with their owner, meeting and links (filtered by the including query).
-- meeting_at: when the meeting was planned; meeting_held_at: when it was held (started), else
-- planned -- the order of meetings, and the day an action names as where it came from.
select x.id, x.meeting_id, m.title as meeting_title, m.scheduled_at as meeting_at,
       coalesce(m.started_at, m.scheduled_at) as meeting_held_at, x.agenda_item_id, x.body,
       x.owner_user_id, x.owner_rep_id,
       coalesce(ou.display_name, orp.full_name) as owner,
       coalesce(ut.name, rt.name) as owner_team,
       coalesce(ut.function, rt.function) as owner_function,
       x.due_date, x.status, x.done_at, du.display_name as done_by,
       x.goal_id, g.title as goal_title, x.criteria_version_id, c.number as criteria_number,
       c.title as criteria_title, a.kind as agenda_kind, a.title as agenda_title,
       x.created_at, cu.display_name as created_by, x.version
  from meeting_action x
  join meeting m on m.id = x.meeting_id
  join app_user cu on cu.id = x.created_by_user_id
  left join app_user ou on ou.id = x.owner_user_id
  left join team ut on ut.id = ou.team_id
  left join rep orp on orp.id = x.owner_rep_id
  left join team rt on rt.id = orp.team_id
  left join app_user du on du.id = x.done_by_user_id
  left join goal g on g.id = x.goal_id
  left join criteria_version c on c.id = x.criteria_version_id
  left join meeting_agenda_item a on a.id = x.agenda_item_id
 where x.withdrawn_at is null

-- name: meeting_actions
-- The action items recorded in a meeting, in the order they were recorded.
select * from {{ _meeting_action_rows }} r
 where r.meeting_id = :meeting_id
 order by r.created_at, r.id

-- name: meeting_open_actions_before
-- Open action items from meetings before this one, most overdue first. Meetings are ordered by
-- when they were held (started), else planned (:held_at is this meeting's): a meeting held days
-- before its planned date (planned for the 30th, held on the 25th) comes before one planned for
-- the 26th, whose first screen lists its actions (ordered by the planned time, it did not).
select * from {{ _meeting_action_rows }} r
 where r.status = 'open' and r.meeting_id <> :meeting_id
   and (r.meeting_held_at, r.meeting_id) < (cast(:held_at as timestamptz), :meeting_id)
 order by r.due_date, r.meeting_held_at, r.id

-- name: meeting_actions_done_since
-- Action items from earlier meetings (held, else planned, before this one: as above) marked done
-- since the previous meeting was held (or in the last 30 days). Held: started (live or done), or its time has come and it was not cancelled; it
-- was held when it started (a meeting started before its scheduled time counted nothing done
-- during or after it until that time had come).
select * from {{ _meeting_action_rows }} r
 where r.status = 'done' and r.meeting_id <> :meeting_id
   and (r.meeting_held_at, r.meeting_id) < (cast(:held_at as timestamptz), :meeting_id)
   and r.done_at >= coalesce(
           (select max(coalesce(p.started_at, p.scheduled_at)) from meeting p
             where (p.status in ('live', 'done') or (p.status = 'planned' and p.scheduled_at <= now()))
               and (coalesce(p.started_at, p.scheduled_at), p.id) < (cast(:held_at as timestamptz), :meeting_id)),
           cast(:held_at as timestamptz) - interval '30 days')
 order by r.done_at desc, r.id

-- name: meeting_action_for_update
select x.*, m.status as meeting_status from meeting_action x join meeting m on m.id = x.meeting_id
 where x.id = :id for update of x

-- name: meeting_action_set_status
update meeting_action
   set status = :status, done_at = case when :status = 'done' then :now end,
       done_by_user_id = case when :status = 'done' then cast(:actor_user_id as integer) end,
       version = version + 1
 where id = :id and version = :version and withdrawn_at is null
returning version

-- name: meeting_action_withdraw
update meeting_action
   set withdrawn_at = :now, withdrawn_by_user_id = :actor_user_id, version = version + 1
 where id = :id and version = :version and withdrawn_at is null
returning version

-- name: meeting_decision_for_update
select * from meeting_decision where id = :id for update

-- name: meeting_decision_withdraw
update meeting_decision
   set withdrawn_at = :now, withdrawn_by_user_id = :actor_user_id, version = version + 1
 where id = :id and version = :version and withdrawn_at is null
returning version

-- name: meeting_snapshots_of
-- The frozen numbers of a meeting as of one freeze, one row per data section.
select section, payload from meeting_snapshot where meeting_id = :meeting_id and frozen_at = :frozen_at

-- name: meeting_snapshot_insert
-- Written once: a second freeze within the same minute keeps the first numbers.
insert into meeting_snapshot (meeting_id, frozen_at, section, payload, created_by_user_id)
values (:meeting_id, :frozen_at, :section, cast(:payload as jsonb), :actor_user_id)
on conflict (meeting_id, frozen_at, section) do nothing

-- name: meeting_owner_choices
-- Who can own an action: active users (with their team), then active reps who have no user.
select 'u' as kind, u.id, u.display_name as name, t.name as team, t.function
  from app_user u left join team t on t.id = u.team_id
 where u.active
union all
select 'r' as kind, r.id, r.full_name as name, t.name as team, t.function
  from rep r join team t on t.id = r.team_id
 where r.active and not exists (select 1 from app_user u where u.rep_id = r.id)
 order by kind desc, name

-- name: meeting_presenter_choices
-- Active users whose roles include one of :roles (those who may present).
select u.id, u.display_name as name from app_user u
 where u.active and u.roles && cast(:roles as text[])
 order by u.display_name

-- name: meeting_goal_choices
-- Goals a decision or action can refer to: not archived, newest period first.
select g.id, g.title, g.start_date, g.end_date from goal g
 where g.archived_at is null
 order by g.end_date desc, g.parent_id nulls first, g.title

-- name: meeting_criteria_choices
-- Criteria versions a decision or action can refer to.
select c.id, c.number, c.title, c.status from criteria_version c order by c.number desc

-- ------------------------------------------------------------------ demo seed (seeds/demo_meetings.py)

-- name: meeting_demo_users
-- The demo users by username, with their rep record.
select u.username, u.id, u.rep_id from app_user u where u.username = any(cast(:usernames as text[]))

-- name: meeting_demo_rep_without_user
-- An active sales or SDR rep who has no user account (an action owner outside the app).
select r.id, r.full_name from rep r join team t on t.id = r.team_id
 where r.active and t.function in ('sales', 'sales_development')
   and not exists (select 1 from app_user u where u.rep_id = r.id)
 order by r.id limit 1

-- name: meeting_demo_exists
select id from meeting where title = :title and scheduled_at = :scheduled_at

-- name: meeting_demo_history
-- A past meeting as it was run: status, start and end, the freeze.
update meeting
   set status = :status, started_at = :started_at, ended_at = :ended_at, frozen_at = :frozen_at,
       frozen_by_user_id = :frozen_by_user_id, created_at = :created_at, updated_at = :ended_at
 where id = :id

-- name: meeting_demo_goal
-- The newest non-archived goal with this title.
select id from goal where title = :title and archived_at is null order by end_date desc, id desc limit 1

-- name: meeting_demo_criteria
-- The criteria version in force now (else the newest).
select id from criteria_version order by (status = 'active') desc, number desc limit 1

-- name: meeting_goal_linkable
-- A goal an outcome may link to: it exists and is not archived.
select 1 from goal where id = :i and archived_at is null

-- name: meeting_criteria_exists
select 1 from criteria_version where id = :i

-- name: meeting_item_on_agenda
-- The agenda item belongs to this meeting.
select 1 from meeting_agenda_item where id = :i and meeting_id = :m

-- name: meeting_user_roles
select roles, active from app_user where id = :i

-- name: meeting_user_active
select active from app_user where id = :i

-- name: meeting_rep_active
select active from rep where id = :i
