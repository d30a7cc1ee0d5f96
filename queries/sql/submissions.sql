-- name: form_submission_claim
-- Claim a form submission's idempotency key (migration 0022): a row back when the key is new, none
-- when this form was submitted already. Run in the transaction of the write it guards, so a failed
-- write gives the key back.
insert into form_submission (key, kind)
values (cast(:key as uuid), :kind)
on conflict (key) do nothing
returning key
