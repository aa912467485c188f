/** PagerDuty incidents and their Slack thread (interface.md §5). */
import type { Database } from 'better-sqlite3';
import { iso, type RepoOptions, systemNow } from './clock.js';

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export type IncidentUrgency = 'high' | 'low';

export interface IncidentRow {
  /** PagerDuty incident id. */
  id: string;
  number: number | null;
  title: string;
  urgency: IncidentUrgency | null;
  serviceId: string | null;
  serviceName: string | null;
  htmlUrl: string | null;
  status: IncidentStatus;
  ackBy: string | null;
  resolvedAt: string | null;
  slackChannel: string | null;
  parentTs: string | null;
  latestInvestigationId: string | null;
  fingerprint: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a PagerDuty webhook or API read tells us about an incident. */
export interface IncidentInput {
  id: string;
  title: string;
  number?: number | null;
  urgency?: IncidentUrgency | null;
  serviceId?: string | null;
  serviceName?: string | null;
  htmlUrl?: string | null;
  status?: IncidentStatus;
  fingerprint?: string | null;
}

export interface StatusChange {
  /** Who acknowledged (display name or id), for `acknowledged`. */
  ackBy?: string | null;
  /** When it was resolved, for `resolved` (default: now). */
  resolvedAt?: Date;
}

export interface IncidentsRepo {
  /**
   * Inserts the incident or refreshes its PagerDuty fields. Never touches the Slack thread or the
   * latest investigation, never reopens a resolved incident, and keeps a known value when the input
   * leaves a field out.
   */
  upsert(input: IncidentInput): { incident: IncidentRow; created: boolean };
  get(id: string): IncidentRow | null;
  /**
   * Records the incident's thread, only if it has none yet: false means another event already
   * created one (reuse it: `get(id)`), so a race can never produce two threads.
   */
  setThread(id: string, channel: string, parentTs: string): boolean;
  /** Moves the status; `resolved` is final (false when already resolved, or unknown). */
  setStatus(id: string, status: IncidentStatus, change?: StatusChange): boolean;
  setLatestInvestigation(id: string, investigationId: string): boolean;
  /**
   * Storm grouping: the first unresolved incident with this fingerprint, created at or after `since`,
   * that already has a Slack thread (the thread others join), or null.
   */
  findOpenByFingerprint(fingerprint: string, since: Date): IncidentRow | null;
  /** Incidents whose parent message is this thread. */
  findByThread(channel: string, parentTs: string): IncidentRow[];
  /** Unresolved incidents, oldest first (e.g. to sync with PagerDuty after a restart). */
  listOpen(): IncidentRow[];
}

interface Row {
  id: string;
  number: number | null;
  title: string;
  urgency: IncidentUrgency | null;
  service_id: string | null;
  service_name: string | null;
  html_url: string | null;
  status: IncidentStatus;
  ack_by: string | null;
  resolved_at: string | null;
  slack_channel: string | null;
  parent_ts: string | null;
  latest_investigation_id: string | null;
  fingerprint: string | null;
  created_at: string;
  updated_at: string;
}

const toRow = (r: Row): IncidentRow => ({
  id: r.id,
  number: r.number,
  title: r.title,
  urgency: r.urgency,
  serviceId: r.service_id,
  serviceName: r.service_name,
  htmlUrl: r.html_url,
  status: r.status,
  ackBy: r.ack_by,
  resolvedAt: r.resolved_at,
  slackChannel: r.slack_channel,
  parentTs: r.parent_ts,
  latestInvestigationId: r.latest_investigation_id,
  fingerprint: r.fingerprint,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function createIncidentsRepo(db: Database, options: RepoOptions = {}): IncidentsRepo {
  const now = options.now ?? systemNow;
  const selectById = db.prepare<[string], Row>('SELECT * FROM incidents WHERE id = ?');
  const insert = db.prepare<{
    id: string;
    number: number | null;
    title: string;
    urgency: string | null;
    service_id: string | null;
    service_name: string | null;
    html_url: string | null;
    status: string;
    fingerprint: string | null;
    at: string;
  }>(
    `INSERT INTO incidents (id, number, title, urgency, service_id, service_name, html_url, status, resolved_at,
       fingerprint, created_at, updated_at)
     VALUES (@id, @number, @title, @urgency, @service_id, @service_name, @html_url, @status,
       CASE WHEN @status = 'resolved' THEN @at END, @fingerprint, @at, @at)`,
  );
  // coalesce: a partial event (e.g. one without service details) keeps what we knew.
  const update = db.prepare<{
    id: string;
    number: number | null;
    title: string;
    urgency: string | null;
    service_id: string | null;
    service_name: string | null;
    html_url: string | null;
    status: string | null;
    fingerprint: string | null;
    at: string;
  }>(
    `UPDATE incidents SET
       number = coalesce(@number, number),
       title = @title,
       urgency = coalesce(@urgency, urgency),
       service_id = coalesce(@service_id, service_id),
       service_name = coalesce(@service_name, service_name),
       html_url = coalesce(@html_url, html_url),
       resolved_at = CASE WHEN status <> 'resolved' AND @status = 'resolved' THEN @at ELSE resolved_at END,
       status = CASE WHEN status = 'resolved' THEN status ELSE coalesce(@status, status) END,
       fingerprint = coalesce(@fingerprint, fingerprint),
       updated_at = @at
     WHERE id = @id`,
  );
  const updateThread = db.prepare<[string, string, string, string]>(
    `UPDATE incidents SET slack_channel = ?, parent_ts = ?, updated_at = ? WHERE id = ? AND parent_ts IS NULL`,
  );
  const updateStatus = db.prepare<{
    id: string;
    status: string;
    ack_by: string | null;
    resolved_at: string | null;
    at: string;
  }>(
    `UPDATE incidents SET status = @status,
       ack_by = CASE WHEN @status = 'acknowledged' THEN coalesce(@ack_by, ack_by)
                     WHEN @status = 'triggered' THEN NULL ELSE ack_by END,
       resolved_at = CASE WHEN @status = 'resolved' THEN @resolved_at ELSE resolved_at END,
       updated_at = @at
     WHERE id = @id AND status <> 'resolved'`,
  );
  const updateLatest = db.prepare<[string, string, string]>(
    'UPDATE incidents SET latest_investigation_id = ?, updated_at = ? WHERE id = ?',
  );
  const selectByFingerprint = db.prepare<[string, string], Row>(
    `SELECT * FROM incidents WHERE fingerprint = ? AND status <> 'resolved' AND created_at >= ?
       AND slack_channel IS NOT NULL AND parent_ts IS NOT NULL
     ORDER BY created_at, id LIMIT 1`,
  );
  const selectByThread = db.prepare<[string, string], Row>(
    'SELECT * FROM incidents WHERE slack_channel = ? AND parent_ts = ? ORDER BY created_at, id',
  );
  const selectOpen = db.prepare<[], Row>(`SELECT * FROM incidents WHERE status <> 'resolved' ORDER BY created_at, id`);

  const get = (id: string): IncidentRow | null => {
    const r = selectById.get(id);
    return r === undefined ? null : toRow(r);
  };

  const upsert = db.transaction((input: IncidentInput): { incident: IncidentRow; created: boolean } => {
    const at = iso(now());
    const common = {
      id: input.id,
      number: input.number ?? null,
      title: input.title,
      urgency: input.urgency ?? null,
      service_id: input.serviceId ?? null,
      service_name: input.serviceName ?? null,
      html_url: input.htmlUrl ?? null,
      fingerprint: input.fingerprint ?? null,
      at,
    };
    const created = selectById.get(input.id) === undefined;
    if (created) insert.run({ ...common, status: input.status ?? 'triggered' });
    else update.run({ ...common, status: input.status ?? null });
    return { incident: get(input.id)!, created };
  });

  return {
    upsert: (input) => upsert.immediate(input),
    get,
    setThread(id, channel, parentTs) {
      return updateThread.run(channel, parentTs, iso(now()), id).changes === 1;
    },
    setStatus(id, status, change = {}) {
      const at = now();
      return (
        updateStatus.run({
          id,
          status,
          ack_by: change.ackBy ?? null,
          resolved_at: status === 'resolved' ? iso(change.resolvedAt ?? at) : null,
          at: iso(at),
        }).changes === 1
      );
    },
    setLatestInvestigation(id, investigationId) {
      return updateLatest.run(investigationId, iso(now()), id).changes === 1;
    },
    findOpenByFingerprint(fingerprint, since) {
      const r = selectByFingerprint.get(fingerprint, iso(since));
      return r === undefined ? null : toRow(r);
    },
    findByThread(channel, parentTs) {
      return selectByThread.all(channel, parentTs).map(toRow);
    },
    listOpen() {
      return selectOpen.all().map(toRow);
    },
  };
}
