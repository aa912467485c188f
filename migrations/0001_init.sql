-- 0001_init: Causa's state. Forward-only: never edit this file once released; add 0002_… instead
-- (src/store/migrate.ts refuses to start when an applied file's checksum changes).
--
-- Conventions: snake_case; every table STRICT; timestamps are ISO-8601 UTC text written by the
-- repositories (`Date#toISOString()`, so text order = time order); *_json columns hold JSON text
-- (json_valid checked here, shape checked with zod when read); enums are CHECK-ed literal sets.
-- Slack ids (`channel`, `*_ts`) are text exactly as Slack returns them.

-- PagerDuty incidents (interface.md §5). One Slack thread per incident: a later event reuses it.
CREATE TABLE incidents (
  id                      TEXT PRIMARY KEY,                -- PagerDuty incident id
  number                  INTEGER,
  title                   TEXT NOT NULL,
  urgency                 TEXT CHECK (urgency IN ('high', 'low')),
  service_id              TEXT,
  service_name            TEXT,
  html_url                TEXT,
  status                  TEXT NOT NULL DEFAULT 'triggered'
                            CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
  ack_by                  TEXT,
  resolved_at             TEXT,
  slack_channel           TEXT,
  parent_ts               TEXT,
  latest_investigation_id TEXT REFERENCES investigations (id) ON DELETE SET NULL,
  fingerprint             TEXT,                            -- storm grouping (same cause, same target)
  created_at              TEXT NOT NULL,
  updated_at              TEXT NOT NULL,
  CHECK ((slack_channel IS NULL) = (parent_ts IS NULL))
) STRICT;

CREATE INDEX incidents_open_by_fingerprint ON incidents (fingerprint, created_at) WHERE status <> 'resolved';
-- Not unique: a storm of incidents with one fingerprint may share one thread.
CREATE INDEX incidents_by_thread ON incidents (slack_channel, parent_ts) WHERE parent_ts IS NOT NULL;

-- One run of the engine against one target.
CREATE TABLE investigations (
  id                TEXT PRIMARY KEY,                      -- inv_<base32>, opaque
  target_kind       TEXT NOT NULL,
  target_namespace  TEXT NOT NULL,
  target_name       TEXT NOT NULL,
  target_context    TEXT,
  trigger           TEXT NOT NULL CHECK (trigger IN ('slash', 'pagerduty', 'rerun')),
  requested_by      TEXT,                                  -- Slack user id; NULL for PagerDuty
  status            TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  incident_id       TEXT REFERENCES incidents (id) ON DELETE SET NULL,
  rerun_of          TEXT REFERENCES investigations (id) ON DELETE SET NULL,
  slack_channel     TEXT,
  parent_ts         TEXT,                                  -- the parent message (updated in place)
  thread_ts         TEXT GENERATED ALWAYS AS (parent_ts) VIRTUAL, -- replies go here; = parent_ts by definition
  root_ts           TEXT,                                  -- the final root-cause reply carrying the buttons
  result_json       TEXT CHECK (result_json IS NULL OR json_valid(result_json)),  -- InvestigationResult
  facts_json        TEXT CHECK (facts_json IS NULL OR json_valid(facts_json)),    -- Facts captured (button answers)
  notes_json        TEXT CHECK (notes_json IS NULL OR json_valid(notes_json)),    -- { [step]: Note[] }
  started_at        TEXT NOT NULL,
  finished_at       TEXT,
  error             TEXT,
  CHECK ((slack_channel IS NULL) = (parent_ts IS NULL)),
  CHECK (status <> 'done' OR (result_json IS NOT NULL AND finished_at IS NOT NULL)),
  CHECK (status <> 'failed' OR finished_at IS NOT NULL)
) STRICT;

CREATE INDEX investigations_by_incident ON investigations (incident_id, started_at);
CREATE INDEX investigations_running ON investigations (started_at) WHERE status = 'running';
CREATE INDEX investigations_by_target ON investigations (target_namespace, target_name, started_at);

-- One row per (investigation, step): a restart resumes instead of posting a step twice.
CREATE TABLE step_runs (
  investigation_id  TEXT NOT NULL REFERENCES investigations (id) ON DELETE CASCADE,
  step              TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('running', 'ok', 'empty', 'error', 'skipped')),
  started_at        TEXT NOT NULL,
  finished_at       TEXT,
  duration_ms       INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
  api_calls         INTEGER NOT NULL DEFAULT 0 CHECK (api_calls >= 0),
  error             TEXT,
  posted_ts         TEXT,                                  -- thread reply ts, once posted
  PRIMARY KEY (investigation_id, step)
) STRICT;

-- PagerDuty webhook intake: dedupe by event id, and a persistent queue.
CREATE TABLE webhook_events (
  event_id          TEXT PRIMARY KEY,                      -- PagerDuty event.id
  event_type        TEXT NOT NULL,                         -- incident.triggered, …
  incident_id       TEXT,                                  -- no FK: the event may precede the incident row
  occurred_at       TEXT,                                  -- event.occurred_at (queue order)
  received_at       TEXT NOT NULL,
  payload_json      TEXT NOT NULL CHECK (json_valid(payload_json)),
  processed_at      TEXT,
  attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at   TEXT,                                  -- lease / back-off; NULL = due now
  last_error        TEXT
) STRICT;

CREATE INDEX webhook_events_pending ON webhook_events (occurred_at, received_at) WHERE processed_at IS NULL;
CREATE INDEX webhook_events_by_incident ON webhook_events (incident_id, occurred_at);

-- Rows named by Slack button values (interface.md §3): the value is the id, never the data.
-- kind 'root_cause' is one row serving every button of one root-cause message.
CREATE TABLE actions (
  id                TEXT PRIMARY KEY,                      -- act_<base32>, opaque, <= 64 chars
  investigation_id  TEXT NOT NULL REFERENCES investigations (id) ON DELETE CASCADE,
  kind              TEXT NOT NULL CHECK (kind IN ('root_cause', 'show_node_events', 'show_pod_events', 'show_logs',
                                                  'show_rollout_history', 'rerun', 'apply_fix', 'feedback')),
  payload_json      TEXT NOT NULL CHECK (json_valid(payload_json)),
  created_at        TEXT NOT NULL,
  CHECK (length(id) <= 64)
) STRICT;

CREATE INDEX actions_by_investigation ON actions (investigation_id);

-- One click being served. At most one running run per (action, kind): a second click does nothing.
CREATE TABLE action_runs (
  id                INTEGER PRIMARY KEY,
  action_id         TEXT NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  kind              TEXT NOT NULL CHECK (kind IN ('show_node_events', 'show_pod_events', 'show_logs',
                                                  'show_rollout_history', 'rerun', 'apply_fix', 'feedback')),
  user_id           TEXT NOT NULL,
  status            TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  started_at        TEXT NOT NULL,
  finished_at       TEXT,
  reply_ts          TEXT,
  error             TEXT,
  CHECK ((status = 'running') = (finished_at IS NULL))
) STRICT;

CREATE UNIQUE INDEX action_runs_one_running ON action_runs (action_id, kind) WHERE status = 'running';

-- Approve-fix requests. Status moves only along the state machine below (enforced by a trigger),
-- and the repository moves it with `UPDATE … WHERE id = ? AND status = ?`: a fix is never applied twice.
CREATE TABLE pending_approvals (
  id                TEXT PRIMARY KEY,                      -- apr_<base32>
  investigation_id  TEXT NOT NULL REFERENCES investigations (id) ON DELETE CASCADE,
  fix_json          TEXT NOT NULL CHECK (json_valid(fix_json)),                -- domain/result.ts Fix
  resource_version  TEXT,                                  -- precondition for the patch
  requested_by      TEXT NOT NULL,
  approvals_json    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(approvals_json)), -- [{ user, at }]
  required          INTEGER NOT NULL DEFAULT 1 CHECK (required >= 1),
  status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'approved', 'applied', 'rejected', 'expired', 'failed')),
  created_at        TEXT NOT NULL,
  expires_at        TEXT NOT NULL,
  decided_by        TEXT,
  decided_at        TEXT,
  view_id           TEXT,                                  -- Slack modal, for views.update
  outcome_json      TEXT CHECK (outcome_json IS NULL OR json_valid(outcome_json))
) STRICT;

CREATE INDEX pending_approvals_due ON pending_approvals (expires_at) WHERE status = 'pending';
CREATE INDEX pending_approvals_by_investigation ON pending_approvals (investigation_id);

CREATE TRIGGER pending_approvals_state_machine
BEFORE UPDATE OF status ON pending_approvals
WHEN NEW.status <> OLD.status AND NOT (
     (OLD.status = 'pending'  AND NEW.status IN ('approved', 'rejected', 'expired', 'failed'))
  OR (OLD.status = 'approved' AND NEW.status IN ('applied', 'failed'))
)
BEGIN
  SELECT RAISE(ABORT, 'pending_approvals: illegal status transition');
END;

-- Was the root cause right? One vote per user per investigation; a second vote replaces the first.
CREATE TABLE feedback (
  investigation_id  TEXT NOT NULL REFERENCES investigations (id) ON DELETE CASCADE,
  user_id           TEXT NOT NULL,
  verdict           TEXT NOT NULL CHECK (verdict IN ('correct', 'wrong')),
  comment           TEXT,
  created_at        TEXT NOT NULL,
  PRIMARY KEY (investigation_id, user_id)
) STRICT;

-- Who did what. Append-only: the triggers refuse UPDATE and DELETE.
CREATE TABLE audit (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  at                TEXT NOT NULL,
  actor             TEXT NOT NULL,                         -- Slack user id, or 'causa' / 'pagerduty'
  action            TEXT NOT NULL,                         -- e.g. fix.approved, fix.applied
  target            TEXT,                                  -- e.g. apps/v1 Deployment production/payments-service
  detail_json       TEXT CHECK (detail_json IS NULL OR json_valid(detail_json))
) STRICT;

CREATE INDEX audit_by_target ON audit (target, id);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE(ABORT, 'audit is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'audit is append-only');
END;
