-- Hand-offs as a rep works them: the inbox, the hand-off card, and the decision writes.
-- Decisions are lead_event rows; the projection trigger updates handoff (never written here).

-- name: handoff_inbox
-- Hand-offs owned by :owner_ids (empty array = everybody): the :limit most urgent open ones (still
-- in time first, soonest due; then overdue, most recently due first, as the page lists them), and
-- the :limit most recent of those decided since :since. The counts over all of them are
-- handoff_inbox_summary's: a team's open hand-offs can outnumber the list.
with picked as (
    (select h.id, 0 as part
       from handoff h
      where (cardinality(cast(:owner_ids as integer[])) = 0 or h.owner_id = any(cast(:owner_ids as integer[])))
        and h.decision is null
      order by h.decision_due_at <= :as_of,
               case when h.decision_due_at > :as_of then h.decision_due_at end,
               h.decision_due_at desc, h.id
      limit :limit)
    union all
    (select h.id, 1
       from handoff h
      where (cardinality(cast(:owner_ids as integer[])) = 0 or h.owner_id = any(cast(:owner_ids as integer[])))
        and h.decision is not null and h.decided_at >= :since
      order by h.decided_at desc, h.id
      limit :limit)
)
select h.id as handoff_id, h.lead_id,
       l.first_name || ' ' || l.last_name as lead_name, l.job_title, a.name as account_name, a.tier,
       ch.label as source, c.name as campaign, l.score, l.priority,
       h.owner_id, r.full_name as owner_name, r.team_id as owner_team_id,
       h.handed_off_at, h.sla_deadline_at, h.decision_due_at, h.first_touch_at,
       h.decision, h.decided_at, h.rejection_reason, h.recycled_at
  from picked p
  join handoff h on h.id = p.id
  join lead l on l.id = h.lead_id
  join account a on a.id = l.account_id
  join channel ch on ch.code = l.source
  left join campaign c on c.id = l.campaign_id
  join rep r on r.id = h.owner_id
 order by p.part, h.decision_due_at, h.id

-- name: handoff_inbox_summary
-- The inbox's counts over every hand-off it covers (not only the listed ones), with the clock at
-- :as_of as handoffs.with_clock reads it: awaiting a decision, of them overdue (due at or before
-- :as_of) and due within 24 h, untouched past the first-touch deadline; and decisions since :since.
-- accepted_untouched: accepted (by :as_of, whenever) and not touched by :as_of -- the rest of the
-- rep's open hand-offs as My SLA counts them (sla_open_handoffs), which the inbox does not list.
-- untouched_breached is not the _sla_outcome fragment (metrics.sql): it follows the inbox clock of
-- handoffs.with_clock, in Python, which calls a deadline reached at :as_of exactly already breached
-- (<=), where the SLA outcome is still 'pending' until :as_of is past it (>). Including the fragment
-- would change this count at that instant and part it from the cards it sums up.
select count(*) filter (where h.decision is null) as awaiting,
       count(*) filter (where h.decision is null and h.decision_due_at <= :as_of) as overdue,
       count(*) filter (where h.decision is null and h.decision_due_at > :as_of
                          and h.decision_due_at <= :as_of + interval '24 hours') as due_soon,
       count(*) filter (where h.decision is null and not coalesce(h.first_touch_at <= :as_of, false)
                          and h.sla_deadline_at <= :as_of) as untouched_breached,
       count(*) filter (where h.decision is not null and h.decided_at >= :since) as decided,
       count(*) filter (where h.decision = 'accepted' and h.decided_at >= :since) as accepted,
       count(*) filter (where h.decision = 'accepted' and h.decided_at <= :as_of
                          and not coalesce(h.first_touch_at <= :as_of, false)) as accepted_untouched
  from handoff h
 where (cardinality(cast(:owner_ids as integer[])) = 0 or h.owner_id = any(cast(:owner_ids as integer[])))
   and (h.decision is null or h.decided_at >= :since
        or (h.decision = 'accepted' and not coalesce(h.first_touch_at <= :as_of, false)))

-- name: team_rep_ids
-- The reps of a team (a sales lead decides for them).
select id from rep where team_id = :team_id order by id

-- name: handoff_for_decision
-- What a decision needs to know about a hand-off: owner and their team, current state, and
-- whether it is still the lead's latest hand-off (decision events apply to the latest one).
select h.id, h.lead_id, h.owner_id, r.full_name as owner_name, r.team_id as owner_team_id,
       h.decision, h.decided_at, h.recycled_at, h.handed_off_at,
       l.first_name || ' ' || l.last_name as lead_name,
       h.id = (select x.id from handoff x where x.lead_id = h.lead_id
                order by x.handed_off_at desc, x.id desc limit 1) as is_latest
  from handoff h
  join rep r on r.id = h.owner_id
  join lead l on l.id = h.lead_id
 where h.id = :handoff_id

-- name: handoff_decided_by
-- Who recorded the decision on a hand-off, and when: the signed-in user if it was made in
-- Alignboard, else the deciding rep, else the CRM sync (actor_user_id: that user, if any).
select h.decision, h.decided_at, h.rejection_reason, h.recycled_at, ev.actor_user_id,
       coalesce(u.display_name, r.full_name, 'the CRM sync') as decided_by
  from handoff h
  left join rep r on r.id = h.decided_by_rep_id
  left join lateral (select e.actor_user_id
                       from lead_event e
                      where e.handoff_id = h.id and e.event_type = h.decision
                      order by e.id desc
                      limit 1) ev on true
  left join app_user u on u.id = ev.actor_user_id
 where h.id = :handoff_id

-- name: handoff_decision_insert
-- Record accepted/rejected. The trigger applies it to the lead's latest hand-off and returns its
-- id in handoff_id; it raises SQLSTATE AB002 when that hand-off is already decided.
insert into lead_event (lead_id, event_type, occurred_at, actor_rep_id, actor_user_id, rejection_reason, comment)
values (:lead_id, :event_type, now(), :actor_rep_id, :actor_user_id, :reason, :comment)
returning id, handoff_id

-- name: handoff_recycle_insert
-- Send a rejected lead back to nurture (SQLSTATE AB003 when nothing is waiting to be recycled).
insert into lead_event (lead_id, event_type, occurred_at, actor_rep_id, actor_user_id, comment)
values (:lead_id, 'recycled', now(), :actor_rep_id, :actor_user_id, :comment)
returning id, handoff_id

-- name: handoff_card
-- Everything about one hand-off for the card: lead, account, source and campaign, owner,
-- SLA clock, decision, and the MQL event that preceded it (with its criteria version).
select h.id as handoff_id, h.lead_id, h.owner_id, ro.full_name as owner_name, ro.team_id as owner_team_id,
       h.handed_off_at, h.sla_deadline_at, h.decision_due_at, h.decision, h.decided_at,
       h.rejection_reason, h.rejection_comment, h.recycled_at, h.first_touch_at, h.minutes_to_first_touch,
       rd.full_name as decided_by_name,
       coalesce(sp.first_touch_business, false) as first_touch_business,   -- minutes_to_first_touch counts business time
       l.first_name, l.last_name, l.email, l.job_title, l.job_function, l.seniority, l.score, l.priority,
       l.created_at as lead_created_at, l.mql_at, l.source, ch.label as source_label, ch.is_marketing,
       l.campaign_id, c.name as campaign_name, cch.label as campaign_channel, c.start_date as campaign_start,
       rm.full_name as marketer_name,
       a.id as account_id, a.name as account_name, a.domain, a.industry, a.country, a.region,
       a.employee_band, a.tier, ra.full_name as account_owner_name,
       mql.criteria_version_id as mql_criteria_version_id, mql.occurred_at as mql_event_at,
       (select count(*) from handoff hx where hx.lead_id = h.lead_id) as handoffs_of_lead,
       (select count(*) from handoff hx where hx.lead_id = h.lead_id
           and (hx.handed_off_at, hx.id) <= (h.handed_off_at, h.id)) as handoff_number
  from handoff h
  join lead l on l.id = h.lead_id
  join account a on a.id = l.account_id
  join channel ch on ch.code = l.source
  join rep ro on ro.id = h.owner_id
  left join rep rd on rd.id = h.decided_by_rep_id
  left join sla_policy sp on sp.id = h.sla_policy_id
  left join campaign c on c.id = l.campaign_id
  left join channel cch on cch.code = c.channel_code
  left join rep rm on rm.id = l.marketer_id
  left join rep ra on ra.id = a.owner_id
  left join lateral (select e.criteria_version_id, e.occurred_at
                       from lead_event e
                      where e.lead_id = h.lead_id and e.event_type = 'mql' and e.occurred_at <= h.handed_off_at
                      order by e.occurred_at desc, e.id desc
                      limit 1) mql on true
 where h.id = :handoff_id

-- name: lead_timeline
-- The lead's history, newest first: activities (engagement and rep touches) and lifecycle events.
select occurred_at, kind, what, detail, who, is_automated, is_touch
  from (select a.occurred_at, 'activity' as kind, a.activity_type as what, a.subject as detail,
               r.full_name as who, a.is_automated,
               a.activity_type in ('call', 'email', 'meeting', 'linkedin') and not a.is_automated as is_touch
          from activity a
          left join rep r on r.id = a.rep_id
         where a.lead_id = :lead_id
        union all
        select e.occurred_at, 'event', e.event_type,
               -- a hand-off or reassignment names whom it went to ("Who" is whoever made it)
               concat_ws(' · ', e.rejection_reason, 'to ' || ro.full_name, nullif(btrim(e.comment), '')),
               coalesce(u.display_name, ra.full_name, ro.full_name), false, false
          from lead_event e
          left join rep ro on ro.id = e.owner_id
          left join rep ra on ra.id = e.actor_rep_id
          left join app_user u on u.id = e.actor_user_id
         where e.lead_id = :lead_id) t
 order by occurred_at desc, kind
 limit :limit

-- name: lead_engagement_before_handoff
-- The lead's marketing engagement (activities of :types) up to its hand-off, over all of them (the
-- timeline lists only the newest rows): the first and the last ('first', 'last'), and how many of
-- each type in the :days days before the hand-off ('count', with n).
with engaged as (
    select a.id, a.occurred_at, a.activity_type as what, a.subject as detail
      from activity a
     where a.lead_id = :lead_id
       and a.activity_type = any(cast(:types as text[]))
       and a.occurred_at <= :handed_off_at
)
(select 'first' as part, occurred_at, what, detail, 1::bigint as n from engaged order by occurred_at, id limit 1)
union all
(select 'last', occurred_at, what, detail, 1::bigint from engaged order by occurred_at desc, id desc limit 1)
union all
(select 'count', null, what, null, count(*)
   from engaged
  where occurred_at >= cast(:handed_off_at as timestamptz) - make_interval(days => :days)
  group by what)

-- name: account_contacts
-- Other people from the lead's account, newest first, with where each one stands;
-- contacts_total counts them all (only :limit are listed).
select l.id as lead_id, l.first_name || ' ' || l.last_name as name, l.job_title, l.seniority,
       l.created_at, l.mql_at, count(*) over () as contacts_total,
       lh.decision as latest_decision, lh.handed_off_at as latest_handoff_at, r.full_name as latest_owner
  from lead l
  left join lateral (select h.decision, h.handed_off_at, h.owner_id
                       from handoff h
                      where h.lead_id = l.id
                      order by h.handed_off_at desc, h.id desc
                      limit 1) lh on true
  left join rep r on r.id = lh.owner_id
 where l.account_id = :account_id and l.id <> :lead_id
 order by l.created_at desc
 limit :limit

-- name: account_opportunities
-- The account's opportunities: open ones (with stage and expected close) and the won total.
-- The totals are over all of them (only :limit rows are listed, open ones first).
select o.id, o.name, o.stage, o.amount, o.created_at, o.expected_close_date, o.closed_at,
       r.full_name as owner_name,
       count(*) filter (where o.closed_at is null) over () as open_total,
       coalesce(sum(o.amount) filter (where o.closed_at is null) over (), 0) as open_amount_total,
       coalesce(sum(o.amount) filter (where o.stage = 'closed_won') over (), 0) as won_total
  from opportunity o
  join rep r on r.id = o.owner_id
 where o.account_id = :account_id
 order by o.closed_at is not null, o.expected_close_date, o.id
 limit :limit
