/**
 * The audit log: who did what, when. Append-only — this API has no update or delete, and triggers
 * in the schema refuse UPDATE and DELETE on the table from anywhere else.
 */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { iso, type RepoOptions, systemNow } from './clock.js';
import { parseJsonOrNull, toJson } from './json.js';

export const AuditDetailSchema = z.json();
export type AuditDetail = z.infer<typeof AuditDetailSchema>;

export interface AuditEntry {
  id: number;
  at: string;
  /** Slack user id, or `causa` / `pagerduty` for the bot and the webhook. */
  actor: string;
  /** Dotted verb, e.g. `fix.approved`, `fix.applied`, `investigation.started`. */
  action: string;
  /** What it was done to, e.g. `apps/v1 Deployment shop/checkout-api` or an id. */
  target: string | null;
  detail: AuditDetail | null;
}

export interface NewAuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  detail?: AuditDetail | null;
  at?: Date;
}

export interface AuditQuery {
  target?: string;
  /** Entries with id greater than this (paging forward). */
  afterId?: number;
  /** Only this action (e.g. `fix.applied`). */
  action?: string;
  /** Entries at or after this time. */
  since?: Date;
  /** Default 100. */
  limit?: number;
}

export interface AuditRepo {
  append(entry: NewAuditEntry): AuditEntry;
  /** Oldest first. */
  list(query?: AuditQuery): AuditEntry[];
}

interface Row {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  detail_json: string | null;
}

const toEntry = (r: Row): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  target: r.target,
  detail: parseJsonOrNull(AuditDetailSchema, r.detail_json, {
    table: 'audit',
    rowId: String(r.id),
    column: 'detail_json',
  }),
});

export function createAuditRepo(db: Database, options: RepoOptions = {}): AuditRepo {
  const now = options.now ?? systemNow;
  const insert = db.prepare<[string, string, string, string | null, string | null], Row>(
    'INSERT INTO audit (at, actor, action, target, detail_json) VALUES (?, ?, ?, ?, ?) RETURNING *',
  );
  const select = db.prepare<
    { target: string | null; action: string | null; since: string | null; after: number; limit: number },
    Row
  >(
    `SELECT * FROM audit WHERE (@target IS NULL OR target = @target) AND (@action IS NULL OR action = @action)
       AND (@since IS NULL OR at >= @since) AND id > @after ORDER BY id LIMIT @limit`,
  );

  return {
    append(entry) {
      const detail = entry.detail == null ? null : toJson(AuditDetailSchema.parse(entry.detail));
      const row = insert.get(iso(entry.at ?? now()), entry.actor, entry.action, entry.target ?? null, detail);
      return toEntry(row!);
    },
    list(query = {}) {
      return select
        .all({
          target: query.target ?? null,
          action: query.action ?? null,
          since: query.since ? iso(query.since) : null,
          after: query.afterId ?? 0,
          limit: query.limit ?? 100,
        })
        .map(toEntry);
    },
  };
}
