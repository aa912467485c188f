/**
 * PagerDuty webhook events: dedupe by event id (interface.md §5) and a persistent queue, so an
 * event answered 202 is processed even if the bot restarts first.
 *
 * Delivery is at-least-once: `nextPending` leases an event (counting an attempt) and the worker
 * ends it with `markProcessed` or `markFailed`. An event whose worker died is handed out again when
 * its lease runs out; after `maxAttempts` it is dead (kept, listed by `listDead`). Events of one
 * incident are handed out in order: a later event waits while an earlier one is still pending.
 */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { iso, type RepoOptions, systemNow } from './clock.js';
import { parseJson, toJson } from './json.js';

export const WebhookPayloadSchema = z.record(z.string(), z.unknown());
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

export interface WebhookEventRow {
  eventId: string;
  eventType: string;
  incidentId: string | null;
  occurredAt: string | null;
  receivedAt: string;
  /** The verified webhook body (or its `event`), re-parsed by the PagerDuty schemas on use. */
  payload: WebhookPayload;
  processedAt: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
}

export interface NewWebhookEvent {
  eventId: string;
  eventType: string;
  incidentId?: string | null;
  occurredAt?: string | null;
  payload: WebhookPayload;
}

export interface WebhookQueueOptions extends RepoOptions {
  /** Attempts before an event is dead (default 5). */
  maxAttempts?: number;
  /** How long a handed-out event is reserved for its worker (default 120 s). */
  leaseMs?: number;
}

export interface WebhookEventsRepo {
  /** INSERT OR IGNORE: true when the event is new, false for a duplicate delivery. */
  enqueue(event: NewWebhookEvent): boolean;
  /**
   * Leases the next due event (oldest first; per incident, in order), counting one attempt. Null
   * when nothing is due.
   */
  nextPending(): WebhookEventRow | null;
  markProcessed(eventId: string): boolean;
  /** Records the error and makes the event due again after `retryInMs` (default: back-off 2^attempts s). */
  markFailed(eventId: string, error: string, retryInMs?: number): boolean;
  get(eventId: string): WebhookEventRow | null;
  /** Events that used up their attempts without being processed. */
  listDead(): WebhookEventRow[];
  counts(): { pending: number; dead: number; processed: number };
  /** Deletes processed events older than `before`; returns how many. */
  pruneProcessed(before: Date): number;
}

interface Row {
  event_id: string;
  event_type: string;
  incident_id: string | null;
  occurred_at: string | null;
  received_at: string;
  payload_json: string;
  processed_at: string | null;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

const toRow = (r: Row): WebhookEventRow => ({
  eventId: r.event_id,
  eventType: r.event_type,
  incidentId: r.incident_id,
  occurredAt: r.occurred_at,
  receivedAt: r.received_at,
  payload: parseJson(WebhookPayloadSchema, r.payload_json, {
    table: 'webhook_events',
    rowId: r.event_id,
    column: 'payload_json',
  }),
  processedAt: r.processed_at,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
});

export function createWebhookEventsRepo(db: Database, options: WebhookQueueOptions = {}): WebhookEventsRepo {
  const now = options.now ?? systemNow;
  const maxAttempts = options.maxAttempts ?? 5;
  const leaseMs = options.leaseMs ?? 120_000;

  const insert = db.prepare<{
    event_id: string;
    event_type: string;
    incident_id: string | null;
    occurred_at: string | null;
    received_at: string;
    payload_json: string;
  }>(
    `INSERT OR IGNORE INTO webhook_events (event_id, event_type, incident_id, occurred_at, received_at, payload_json)
     VALUES (@event_id, @event_type, @incident_id, @occurred_at, @received_at, @payload_json)`,
  );
  // Queue order: when it happened (PagerDuty's occurred_at), else when it arrived.
  const selectNext = db.prepare<{ now: string; max: number }, Row>(
    `SELECT e.* FROM webhook_events e
     WHERE e.processed_at IS NULL AND e.attempts < @max
       AND (e.next_attempt_at IS NULL OR e.next_attempt_at <= @now)
       AND NOT EXISTS (
         SELECT 1 FROM webhook_events p
         WHERE p.incident_id = e.incident_id AND p.processed_at IS NULL AND p.attempts < @max
           AND (coalesce(p.occurred_at, p.received_at), p.received_at, p.event_id)
             < (coalesce(e.occurred_at, e.received_at), e.received_at, e.event_id))
     ORDER BY coalesce(e.occurred_at, e.received_at), e.received_at, e.event_id
     LIMIT 1`,
  );
  const lease = db.prepare<[string, string]>(
    'UPDATE webhook_events SET attempts = attempts + 1, next_attempt_at = ? WHERE event_id = ?',
  );
  const selectOne = db.prepare<[string], Row>('SELECT * FROM webhook_events WHERE event_id = ?');
  const updateProcessed = db.prepare<[string, string]>(
    `UPDATE webhook_events SET processed_at = ?, next_attempt_at = NULL, last_error = NULL
     WHERE event_id = ? AND processed_at IS NULL`,
  );
  const updateFailed = db.prepare<[string, string, string]>(
    `UPDATE webhook_events SET last_error = ?, next_attempt_at = ? WHERE event_id = ? AND processed_at IS NULL`,
  );
  const selectDead = db.prepare<[number], Row>(
    'SELECT * FROM webhook_events WHERE processed_at IS NULL AND attempts >= ? ORDER BY received_at, event_id',
  );
  const selectCounts = db.prepare<[number, number], { pending: number; dead: number; processed: number }>(
    `SELECT
       coalesce(sum(processed_at IS NULL AND attempts < ?), 0) AS pending,
       coalesce(sum(processed_at IS NULL AND attempts >= ?), 0) AS dead,
       coalesce(sum(processed_at IS NOT NULL), 0) AS processed
     FROM webhook_events`,
  );
  const deleteProcessed = db.prepare<[string]>(
    'DELETE FROM webhook_events WHERE processed_at IS NOT NULL AND processed_at < ?',
  );

  const next = db.transaction((): WebhookEventRow | null => {
    const at = now();
    const r = selectNext.get({ now: iso(at), max: maxAttempts });
    if (r === undefined) return null;
    lease.run(iso(new Date(at.getTime() + leaseMs)), r.event_id);
    return toRow(selectOne.get(r.event_id)!);
  });

  return {
    enqueue(event) {
      const payload = toJson(WebhookPayloadSchema.parse(event.payload));
      return (
        insert.run({
          event_id: event.eventId,
          event_type: event.eventType,
          incident_id: event.incidentId ?? null,
          occurred_at: event.occurredAt ?? null,
          received_at: iso(now()),
          payload_json: payload,
        }).changes === 1
      );
    },
    nextPending: () => next.immediate(),
    markProcessed(eventId) {
      return updateProcessed.run(iso(now()), eventId).changes === 1;
    },
    markFailed(eventId, error, retryInMs) {
      const r = selectOne.get(eventId);
      if (r === undefined) return false;
      const delay = retryInMs ?? Math.min(2 ** Math.max(0, r.attempts) * 1000, 15 * 60_000);
      return updateFailed.run(error, iso(new Date(now().getTime() + delay)), eventId).changes === 1;
    },
    get(eventId) {
      const r = selectOne.get(eventId);
      return r === undefined ? null : toRow(r);
    },
    listDead() {
      return selectDead.all(maxAttempts).map(toRow);
    },
    counts() {
      return selectCounts.get(maxAttempts, maxAttempts)!;
    },
    pruneProcessed(before) {
      return deleteProcessed.run(iso(before)).changes;
    },
  };
}
