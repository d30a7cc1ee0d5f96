-- Revenue targets until the goals tracker stores goals (see queries/scoreboard.revenue_target).

-- name: demo_data_span
-- First and last moment of lead activity in the database: the demo-target loader plans
-- quarters inside this span (deterministic: it depends on the data, not on the clock).
select min(created_at) as first_at,
       greatest(max(created_at), (select max(occurred_at) from lead_event),
                (select max(closed_at) from opportunity)) as last_at
  from lead
