-- Users, settings and the audit log.

-- name: user_credentials
-- Active users as streamlit-authenticator expects them (bcrypt hashes, roles).
select username, display_name, email, password_hash, roles
  from app_user
 where active
 order by username

-- name: user_by_username
-- One user with their team, for the signed-in session (active or not: the caller decides; a
-- session signed in before password_changed_at is signed out).
select u.id, u.username, u.display_name, u.email, u.roles, u.team_id, t.name as team_name,
       t.function as team_function, u.rep_id, u.active, u.password_changed_at
  from app_user u
  left join team t on t.id = u.team_id
 where u.username = :username

-- name: users_list
-- Every user, for the admin page. sign_in_paused_until: while :max_failures failed passwords lie
-- within the last :window_seconds, password sign-in is paused until the :max_failures-th newest
-- leaves the window (queries/sign_in_policy.py); null when it is open.
select u.id, u.username, u.display_name, u.email, u.roles, u.team_id, t.name as team_name,
       u.rep_id, r.full_name as rep_name, u.active, u.version, u.created_at, u.updated_at,
       u.password_changed_at, paused.until as sign_in_paused_until
  from app_user u
  left join team t on t.id = u.team_id
  left join rep r on r.id = u.rep_id
  left join lateral (
      select f.failed_at + cast(:window_seconds as integer) * interval '1 second' as until
        from sign_in_failure f
       where f.username = u.username
         and f.failed_at > coalesce(cast(:as_of as timestamptz), now())
                           - cast(:window_seconds as integer) * interval '1 second'
         and f.failed_at <= coalesce(cast(:as_of as timestamptz), now())
       order by f.failed_at desc
      offset cast(:max_failures as integer) - 1
       limit 1
  ) paused on true
 order by u.active desc, u.display_name

-- name: user_row_for_update
-- Lock one user row for an update (the audit needs the old values).
select id, username, display_name, email, roles, team_id, rep_id, active, version
  from app_user
 where id = :id
   for update

-- name: user_admins_lock
-- The active admins, locked until the transaction ends (user writes serialise on them, so two
-- admins cannot demote each other at once). In id order, so that writers never deadlock.
select id from app_user where active and 'admin' = any(roles) order by id for update

-- name: user_insert
insert into app_user (username, display_name, email, password_hash, roles, team_id, rep_id)
values (:username, :display_name, :email, :password_hash, cast(:roles as text[]), :team_id, :rep_id)
returning id

-- name: user_update
-- Optimistic lock: only applies when the row still has the version the editor saw.
update app_user
   set display_name = :display_name, email = :email, roles = cast(:roles as text[]), team_id = :team_id,
       rep_id = :rep_id, active = :active, version = version + 1, updated_at = now()
 where id = :id and version = :version
returning version

-- name: user_set_password
update app_user
   set password_hash = :password_hash, password_changed_at = now(), updated_at = now(), version = version + 1
 where id = :id
returning version

-- name: user_clear_sign_in_failures
-- A password reset lifts a sign-in pause: the user's failed attempts go.
delete from sign_in_failure f
 using app_user u
 where u.id = :id and f.username = u.username

-- name: sign_in_begin
-- A password attempt for :username starts: wait for any other attempt for the same username in
-- another session or process (a transaction-level advisory lock, released at commit), then give
-- the moment the attempt is counted at: the clock once the lock is held (now() is the
-- transaction's start, earlier than the failures of attempts that held the lock meanwhile).
select coalesce(cast(:as_of as timestamptz), clock_timestamp()) as now
  from (select pg_advisory_xact_lock(hashtext('alignboard.sign_in'), hashtext(:username))) as locked

-- name: sign_in_client_lock
-- A password attempt from :client starts: wait for any other attempt from the same client (a
-- transaction-level advisory lock, released at commit). Taken before sign_in_begin's username lock,
-- in that order by every attempt (so no two attempts wait for each other), and so before the
-- attempt's moment is read.
select pg_advisory_xact_lock(hashtext('alignboard.sign_in_client'), hashtext(:client))

-- name: sign_in_client_failures_recent
-- The client's latest failed attempts within the window, across usernames, newest first (no more
-- than the policy needs to decide).
select failed_at
  from sign_in_failure
 where client = :client
   and failed_at > cast(:now as timestamptz) - cast(:window_seconds as integer) * interval '1 second'
   and failed_at <= cast(:now as timestamptz)
 order by failed_at desc
 limit :client_max_failures

-- name: sign_in_paused_clients
-- Clients password sign-in is paused from, for the admin page: while :client_max_failures failures
-- from a client lie within the last :window_seconds, until the :client_max_failures-th newest
-- leaves the window (queries/sign_in_policy.py). Latest pause first.
select client, failed_at + cast(:window_seconds as integer) * interval '1 second' as paused_until
  from (select client, failed_at,
               row_number() over (partition by client order by failed_at desc) as newest
          from sign_in_failure
         where client is not null
           and failed_at > coalesce(cast(:as_of as timestamptz), now())
                           - cast(:window_seconds as integer) * interval '1 second'
           and failed_at <= coalesce(cast(:as_of as timestamptz), now())) recent
 where newest = cast(:client_max_failures as integer)
 order by paused_until desc, client

-- name: sign_in_failures_recent
-- The username's latest failed attempts within the window, newest first (no more than the policy
-- needs to decide).
select failed_at
  from sign_in_failure
 where username = :username
   and failed_at > cast(:now as timestamptz) - cast(:window_seconds as integer) * interval '1 second'
   and failed_at <= cast(:now as timestamptz)
 order by failed_at desc
 limit :max_failures

-- name: sign_in_failure_insert
-- Count an attempt as failed (before its password is checked; a success deletes it again), and
-- prune attempts that have left the window: rows another transaction is pruning are skipped, not
-- waited for (no waits, no deadlocks between processes; what is left goes on a later attempt).
with stale as (
    select id
      from sign_in_failure
     where failed_at <= cast(:now as timestamptz) - cast(:window_seconds as integer) * interval '1 second'
     limit 1000
       for update skip locked
), pruned as (
    delete from sign_in_failure f using stale where f.id = stale.id
)
insert into sign_in_failure (username, client, failed_at)
values (:username, cast(:client as text), cast(:now as timestamptz))

-- name: sign_in_failures_clear
-- A successful sign-in: the username's failed attempts go.
delete from sign_in_failure where username = :username

-- name: user_count
select count(*) from app_user

-- name: teams_list
select id, code, name, function from team order by function, name

-- name: reps_list
-- Reps with their team, for pickers and filters.
select r.id, r.full_name, r.email, r.title, r.team_id, t.name as team_name, t.function as team_function, r.active
  from rep r
  join team t on t.id = r.team_id
 order by t.function, r.full_name

-- name: audit_insert
insert into audit_log (actor_user_id, action, entity, entity_id, old, new, at)
values (:actor_user_id, :action, :entity, :entity_id, cast(:old as jsonb), cast(:new as jsonb),
        coalesce(cast(:at as timestamptz), now()))

-- name: audit_recent
-- Latest audit entries, optionally for one entity.
select a.at, u.display_name as actor, a.action, a.entity, a.entity_id, a.old, a.new
  from audit_log a
  left join app_user u on u.id = a.actor_user_id
 where (cast(:entity as text) is null or a.entity = :entity)
   and (cast(:entity_id as text) is null or a.entity_id = :entity_id)
 order by a.at desc, a.id desc
 limit :limit

-- name: setting_get
select value from app_setting where key = :key

-- name: setting_put
insert into app_setting (key, value, updated_at) values (:key, cast(:value as jsonb), now())
on conflict (key) do update set value = excluded.value, updated_at = now()

-- name: settings_all
select key, value from app_setting

-- name: setting_put_if_absent
-- Keep the first value when several processes race to create a setting.
insert into app_setting (key, value) values (:key, cast(:value as jsonb))
on conflict (key) do nothing

-- name: user_insert_if_absent
-- Seeding: create a user unless the username exists.
insert into app_user (username, display_name, email, password_hash, roles, team_id, rep_id)
values (:username, :display_name, :email, :password_hash, cast(:roles as text[]), :team_id, :rep_id)
on conflict (username) do nothing

-- name: audit_search
-- Latest audit entries for the admin page, newest first. Filters (null = any): the user a change
-- was about (entity 'user'), and the user who made it (actor; use :system_only for changes made
-- without a signed-in user: the command line, demo seeding). entity_title: what the record is
-- called now — a goal's title (its check-in and archive entries hold none), the lead of a
-- hand-off, a meeting's title, an action item's text, a criteria version's number and title, an
-- SLA policy's latest name, a commitment's dates, a calendar's name, the lead (or campaign) a
-- rating is about, a decision's or reply's text — so the log names records instead of ids. The
-- newest entries are picked first, then named (by primary key: numeric entity ids are cast only
-- for their own entity).
with top as (
    select a.*
      from audit_log a
     where (cast(:about_user_id as integer) is null
            or (a.entity = 'user' and a.entity_id = cast(:about_user_id as text)))
       and (cast(:actor_user_id as integer) is null or a.actor_user_id = :actor_user_id)
       and (not :system_only or a.actor_user_id is null)
       and (cast(:before as timestamptz) is null or a.at < :before)
     order by a.at desc, a.id desc
     limit :limit
)
select a.id, a.at, a.actor_user_id, actor.username as actor_username, actor.display_name as actor_name,
       a.action, a.entity, a.entity_id, subject.username as subject_username,
       coalesce(g.title, hl.first_name || ' ' || hl.last_name, m.title, left(ma.body, 60),
                'v' || cv.number || ' · ' || cv.title,
                (select p.name from sla_policy p where a.entity = 'sla_policy' and p.code = a.entity_id
                  order by p.version desc limit 1),
                to_char(sc.start_date, 'DD Mon YYYY') || ' – ' || to_char(sc.end_date, 'DD Mon YYYY'),
                bc.name, fl.first_name || ' ' || fl.last_name, fc.name, left(md.body, 60), left(fr.body, 60))
           as entity_title,
       a.old, a.new
  from top a
  left join app_user actor on actor.id = a.actor_user_id
  left join app_user subject on subject.id = (case when a.entity = 'user' then a.entity_id::integer end)
  left join goal g on g.id = (case when a.entity = 'goal' then a.entity_id::integer end)
  left join handoff h on h.id = (case when a.entity = 'handoff' then a.entity_id::integer end)
  left join lead hl on hl.id = h.lead_id
  left join meeting m on m.id = (case when a.entity = 'meeting' then a.entity_id::integer end)
  left join meeting_action ma on ma.id = (case when a.entity = 'meeting_action' then a.entity_id::integer end)
  left join criteria_version cv on cv.id = (case when a.entity = 'criteria_version' then a.entity_id::integer end)
  left join sla_commitment sc on sc.id = (case when a.entity = 'sla_commitment' then a.entity_id::integer end)
  left join business_calendar bc on bc.id = (case when a.entity = 'business_calendar' then a.entity_id::integer end)
  left join lead_feedback f on f.id = (case when a.entity = 'lead_feedback' then a.entity_id::bigint end)
  left join lead fl on fl.id = f.lead_id
  left join campaign fc on fc.id = f.campaign_id
  left join meeting_decision md on md.id = (case when a.entity = 'meeting_decision' then a.entity_id::integer end)
  left join feedback_reply fr on fr.id = (case when a.entity = 'feedback_reply' then a.entity_id::bigint end)
 order by a.at desc, a.id desc

-- name: setting_lock
-- The current value of a setting, locked until the transaction ends (a compare-and-set).
select value from app_setting where key = :key for update

-- name: setting_delete
delete from app_setting where key = :key

-- name: user_by_id
-- One user as stored now (uncached): a write's permission check.
select u.id, u.username, u.display_name, u.email, u.roles, u.team_id, t.name as team_name,
       t.function as team_function, u.rep_id, u.active
  from app_user u
  left join team t on t.id = u.team_id
 where u.id = :id
