-- The records behind the scoreboard's numbers. Each list selects exactly the rows its metric in
-- metrics.sql counts (same scope fragments, same period and :as_of rules), so a list's row count
-- and amount tie out with the number it explains. Lists are capped at :row_limit rows;
-- total_rows (and total_amount) describe every matching row, not just the ones returned.

-- name: drill_handoffs
-- Hand-offs behind lead acceptance, time to first touch and SLA compliance: cohort = hand-off
-- time in the period. :subset narrows the list:
--   'all', 'accepted', 'rejected', 'awaiting'            (lead acceptance, as of :as_of)
--   'touched' (slowest first), 'untouched'              (time to first touch, as of :as_of)
--   'sla_breached', 'sla_pending'                        (SLA compliance, as of :as_of;
--                                                         sla_outcome is the _sla_outcome rule)
-- Other subsets are listed most recent hand-off first.
with scoped as (
    select h.id, h.lead_id, h.owner_id, h.handed_off_at, h.sla_deadline_at,
           case when h.decided_at <= :as_of then h.decision end as decision,
           case when h.decided_at <= :as_of then h.decided_at end as decided_at,
           case when h.decided_at <= :as_of then h.rejection_reason end as rejection_reason,
           case when h.recycled_at <= :as_of then h.recycled_at end as recycled_at,
           case when h.first_touch_at <= :as_of then h.first_touch_at end as first_touch_at,
           case when h.first_touch_at <= :as_of then h.minutes_to_first_touch end as minutes_to_first_touch,
           {{ _sla_outcome }} as sla_outcome
      from {{ _handoff_scope }} h
     where h.handed_off_at >= :start_at and h.handed_off_at < :end_at
),
picked as (
    select *
      from scoped
     where case :subset
               when 'all' then true
               when 'accepted' then decision = 'accepted'
               when 'rejected' then decision = 'rejected'
               when 'awaiting' then decision is null
               when 'touched' then first_touch_at is not null
               when 'untouched' then first_touch_at is null
               when 'sla_breached' then sla_outcome in ('late', 'untouched')
               when 'sla_pending' then sla_outcome = 'pending'
           end
),
limited as (
    select p.*, count(*) over () as total_rows
      from picked p
     order by case when :subset = 'touched' then p.minutes_to_first_touch end desc nulls last,
              p.handed_off_at desc, p.id desc
     limit :row_limit
)
select h.id as handoff_id, h.lead_id,
       l.first_name || ' ' || l.last_name as lead_name, a.name as account, ch.label as source,
       c.name as campaign, r.full_name as owner, t.name as team, a.tier,
       h.handed_off_at, h.decision, h.decided_at, h.rejection_reason, h.recycled_at,
       h.first_touch_at, h.minutes_to_first_touch, h.sla_deadline_at, h.sla_outcome,
       h.total_rows
  from limited h
  join lead l on l.id = h.lead_id
  join account a on a.id = l.account_id
  join channel ch on ch.code = l.source
  left join campaign c on c.id = l.campaign_id
  join rep r on r.id = h.owner_id
  join team t on t.id = r.team_id
 order by case when :subset = 'touched' then h.minutes_to_first_touch end desc nulls last,
          h.handed_off_at desc, h.id desc

-- name: drill_opportunities
-- Opportunities behind revenue, win rate and pipeline. :subset:
--   'won'      closed-won with close time in the period            (revenue)
--   'closed'   closed won or lost with close time in the period    (win rate)
--   'created'  created in the period                               (pipeline created)
--   'open'     open at :as_of                                      (open pipeline)
--   'coverage' open at :as_of, expected to close in the period      (pipeline coverage)
-- Largest amount first.
with picked as (
    select s.id, s.amount, s.marketing_sourced
      from {{ _opportunity_scope }} s
     where case :subset
               when 'won' then s.stage = 'closed_won' and s.closed_at >= :start_at and s.closed_at < :end_at
               when 'closed' then s.closed_at >= :start_at and s.closed_at < :end_at
               when 'created' then s.created_at >= :start_at and s.created_at < :end_at
               when 'open' then s.created_at <= :as_of and (s.closed_at is null or s.closed_at > :as_of)
               when 'coverage' then s.created_at <= :as_of and (s.closed_at is null or s.closed_at > :as_of)
                                    and s.expected_close_date between :start_date and :end_date
           end
),
limited as (
    select p.*, count(*) over () as total_rows, sum(p.amount) over () as total_amount
      from picked p
     order by p.amount desc, p.id desc
     limit :row_limit
)
select o.id as opportunity_id, o.name as opportunity, a.name as account, r.full_name as owner, t.name as team,
       coalesce(ch.label, 'No lead (sales-created)') as source, p.marketing_sourced,
       o.amount, o.stage, o.created_at, o.expected_close_date, o.closed_at, o.lost_reason,
       p.total_rows, p.total_amount
  from limited p
  join opportunity o on o.id = p.id
  join account a on a.id = o.account_id
  join rep r on r.id = o.owner_id
  join team t on t.id = r.team_id
  left join lead l on l.id = o.lead_id
  left join channel ch on ch.code = l.source
 order by o.amount desc, o.id desc

-- name: drill_mqls
-- Leads behind "MQLs delivered": leads with an MQL event in the period, each once (its first MQL
-- event in the period), latest first, with what became of it: the first hand-off at or after
-- that MQL and its decision.
with picked as (
    select e.lead_id, min(e.occurred_at) as mql_at
      from lead_event e
      join {{ _lead_scope }} s on s.id = e.lead_id
     where e.event_type = 'mql'
       and e.occurred_at >= :start_at and e.occurred_at < :end_at
     group by e.lead_id
),
limited as (
    select p.*, count(*) over () as total_rows
      from picked p
     order by p.mql_at desc, p.lead_id desc
     limit :row_limit
)
select p.lead_id, l.first_name || ' ' || l.last_name as lead_name, a.name as account, ch.label as source,
       c.name as campaign, m.full_name as marketer, l.score, p.mql_at,
       nh.handed_off_at, nh.owner, nh.decision,
       p.total_rows
  from limited p
  join lead l on l.id = p.lead_id
  join account a on a.id = l.account_id
  join channel ch on ch.code = l.source
  left join campaign c on c.id = l.campaign_id
  left join rep m on m.id = l.marketer_id
  left join lateral (
        select h.handed_off_at, r.full_name as owner, h.decision
          from handoff h
          join rep r on r.id = h.owner_id
         where h.lead_id = p.lead_id and h.handed_off_at >= p.mql_at
         order by h.handed_off_at, h.id
         limit 1) nh on true
 order by p.mql_at desc, p.lead_id desc
