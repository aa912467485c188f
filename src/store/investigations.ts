/** Investigations: one run of the engine against one target, with its Slack thread and captured evidence. */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import type { Facts } from '../domain/facts.js';
import { type InvestigationResult, InvestigationResultSchema } from '../domain/result.js';
import type { Note } from '../steps/step.js';
import { iso, type RepoOptions, systemNow } from './clock.js';
import { newId } from './ids.js';
import { parseJsonOrNull, toJson } from './json.js';

export const INVESTIGATION_TRIGGERS = ['slash', 'pagerduty', 'rerun'] as const;
export type InvestigationTrigger = (typeof INVESTIGATION_TRIGGERS)[number];

export const INVESTIGATION_STATUSES = ['running', 'done', 'failed'] as const;
export type InvestigationStatus = (typeof INVESTIGATION_STATUSES)[number];

export const InvestigationTargetSchema = z.object({
  kind: z.string().min(1),
  namespace: z.string(),
  name: z.string().min(1),
  context: z.string().nullable(),
});
export type InvestigationTarget = z.infer<typeof InvestigationTargetSchema>;

/** The engine's Note (steps/step.ts); `satisfies` keeps the two in step at compile time. */
export const StepNoteSchema = z.object({
  time: z.string().nullable(),
  text: z.string(),
  ref: z.string(),
}) satisfies z.ZodType<Note>;
/** Per-step notes (`engine/investigate.ts` `Investigation.notes`). */
export const StepNotesSchema = z.record(z.string(), z.array(StepNoteSchema));
export type StepNotes = z.infer<typeof StepNotesSchema>;

/**
 * A light shape check of captured Facts (the full type is a large interface without a zod schema):
 * enough to refuse a row that is not Facts at all before it is cast.
 */
export const FactsShapeSchema = z.looseObject({
  now: z.string(),
  since: z.string(),
  target: z.looseObject({ kind: z.string(), name: z.string(), namespace: z.string() }),
  revisions: z.array(z.unknown()),
  pods: z.array(z.unknown()),
  events: z.array(z.unknown()),
  nodes: z.array(z.unknown()),
  logs: z.array(z.unknown()),
  gaps: z.array(z.unknown()),
});

export interface SlackThread {
  channel: string;
  /** The parent message; replies go in its thread. */
  parentTs: string;
}

export interface InvestigationRow {
  id: string;
  target: InvestigationTarget;
  trigger: InvestigationTrigger;
  requestedBy: string | null;
  status: InvestigationStatus;
  incidentId: string | null;
  rerunOf: string | null;
  slackChannel: string | null;
  parentTs: string | null;
  /** Always equal to `parentTs` (a generated column). */
  threadTs: string | null;
  /** The final root-cause reply carrying the buttons. */
  rootTs: string | null;
  result: InvestigationResult | null;
  notes: StepNotes | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export interface NewInvestigation {
  target: InvestigationTarget;
  trigger: InvestigationTrigger;
  requestedBy?: string | null;
  incidentId?: string | null;
  rerunOf?: string | null;
  thread?: SlackThread | null;
  startedAt?: Date;
}

export interface CompleteInvestigation {
  result: InvestigationResult;
  facts: Facts;
  notes: StepNotes;
  finishedAt?: Date;
}

export interface FailInvestigation {
  error: string;
  facts?: Facts | null;
  notes?: StepNotes | null;
  finishedAt?: Date;
}

export interface InvestigationsRepo {
  create(input: NewInvestigation): InvestigationRow;
  get(id: string): InvestigationRow | null;
  /** Facts as captured when the investigation finished (button answers "as of HH:MM"); null if none. */
  getFacts(id: string): Facts | null;
  setThread(id: string, thread: SlackThread): boolean;
  setRootTs(id: string, rootTs: string): boolean;
  /**
   * Claims the ROOT CAUSE reply before it is sent (write-ahead): false when already claimed or
   * posted. A crash between the send and `setRootTs` leaves the claim, so it is never sent twice.
   */
  claimRoot(id: string): boolean;
  /** running → done. False when the investigation is not running (finished already, or unknown). */
  complete(id: string, done: CompleteInvestigation): boolean;
  /** running → failed. False when the investigation is not running. */
  fail(id: string, failure: FailInvestigation): boolean;
  /** Investigations still `running` (after a restart: resume them or fail them), oldest first. */
  listUnfinished(): InvestigationRow[];
  /** Completed since `since`, with a thread, whose ROOT CAUSE reply was never attempted (a crash in between). */
  listUnposted(since: Date): InvestigationRow[];
  listForIncident(incidentId: string): InvestigationRow[];
  /** Newest first. */
  listRecent(limit?: number): InvestigationRow[];
}

interface Row {
  id: string;
  target_kind: string;
  target_namespace: string;
  target_name: string;
  target_context: string | null;
  trigger: InvestigationTrigger;
  requested_by: string | null;
  status: InvestigationStatus;
  incident_id: string | null;
  rerun_of: string | null;
  slack_channel: string | null;
  parent_ts: string | null;
  thread_ts: string | null;
  root_ts: string | null;
  result_json: string | null;
  notes_json: string | null;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

// facts_json is left out on purpose: it can be large and only button handlers need it.
const COLUMNS = `id, target_kind, target_namespace, target_name, target_context, trigger, requested_by, status,
  incident_id, rerun_of, slack_channel, parent_ts, thread_ts, root_ts, result_json, notes_json, started_at,
  finished_at, error`;

export function createInvestigationsRepo(db: Database, options: RepoOptions = {}): InvestigationsRepo {
  const now = options.now ?? systemNow;
  const insert = db.prepare<{
    id: string;
    target_kind: string;
    target_namespace: string;
    target_name: string;
    target_context: string | null;
    trigger: string;
    requested_by: string | null;
    incident_id: string | null;
    rerun_of: string | null;
    slack_channel: string | null;
    parent_ts: string | null;
    started_at: string;
  }>(
    `INSERT INTO investigations (id, target_kind, target_namespace, target_name, target_context, trigger, requested_by,
       incident_id, rerun_of, slack_channel, parent_ts, started_at)
     VALUES (@id, @target_kind, @target_namespace, @target_name, @target_context, @trigger, @requested_by,
       @incident_id, @rerun_of, @slack_channel, @parent_ts, @started_at)`,
  );
  const selectById = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM investigations WHERE id = ?`);
  const selectFacts = db.prepare<[string], { facts_json: string | null }>(
    'SELECT facts_json FROM investigations WHERE id = ?',
  );
  const updateThread = db.prepare<[string, string, string]>(
    'UPDATE investigations SET slack_channel = ?, parent_ts = ? WHERE id = ?',
  );
  const updateRootTs = db.prepare<[string, string]>('UPDATE investigations SET root_ts = ? WHERE id = ?');
  const claimRootTs = db.prepare<[string]>(`UPDATE investigations SET root_ts = '' WHERE id = ? AND root_ts IS NULL`);
  const selectUnposted = db.prepare<[string], Row>(
    `SELECT ${COLUMNS} FROM investigations WHERE status = 'done' AND root_ts IS NULL
       AND slack_channel IS NOT NULL AND parent_ts IS NOT NULL AND started_at >= ? ORDER BY started_at, id`,
  );
  const updateDone = db.prepare<{ id: string; result: string; facts: string; notes: string; at: string }>(
    `UPDATE investigations SET status = 'done', result_json = @result, facts_json = @facts, notes_json = @notes,
       finished_at = @at, error = NULL
     WHERE id = @id AND status = 'running'`,
  );
  const updateFailed = db.prepare<{
    id: string;
    error: string;
    facts: string | null;
    notes: string | null;
    at: string;
  }>(
    `UPDATE investigations SET status = 'failed', error = @error, facts_json = coalesce(@facts, facts_json),
       notes_json = coalesce(@notes, notes_json), finished_at = @at
     WHERE id = @id AND status = 'running'`,
  );
  const selectUnfinished = db.prepare<[], Row>(
    `SELECT ${COLUMNS} FROM investigations WHERE status = 'running' ORDER BY started_at, id`,
  );
  const selectForIncident = db.prepare<[string], Row>(
    `SELECT ${COLUMNS} FROM investigations WHERE incident_id = ? ORDER BY started_at, id`,
  );
  const selectRecent = db.prepare<[number], Row>(
    `SELECT ${COLUMNS} FROM investigations ORDER BY started_at DESC, id DESC LIMIT ?`,
  );

  const toRow = (r: Row): InvestigationRow => {
    const where = (column: string) => ({ table: 'investigations', rowId: r.id, column });
    return {
      id: r.id,
      target: { kind: r.target_kind, namespace: r.target_namespace, name: r.target_name, context: r.target_context },
      trigger: r.trigger,
      requestedBy: r.requested_by,
      status: r.status,
      incidentId: r.incident_id,
      rerunOf: r.rerun_of,
      slackChannel: r.slack_channel,
      parentTs: r.parent_ts,
      threadTs: r.thread_ts,
      rootTs: r.root_ts || null,
      result: parseJsonOrNull(InvestigationResultSchema, r.result_json, where('result_json')),
      notes: parseJsonOrNull(StepNotesSchema, r.notes_json, where('notes_json')),
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      error: r.error,
    };
  };

  const get = (id: string): InvestigationRow | null => {
    const r = selectById.get(id);
    return r === undefined ? null : toRow(r);
  };

  return {
    create(input) {
      const target = InvestigationTargetSchema.parse(input.target);
      const id = newId('inv');
      insert.run({
        id,
        target_kind: target.kind,
        target_namespace: target.namespace,
        target_name: target.name,
        target_context: target.context,
        trigger: input.trigger,
        requested_by: input.requestedBy ?? null,
        incident_id: input.incidentId ?? null,
        rerun_of: input.rerunOf ?? null,
        slack_channel: input.thread?.channel ?? null,
        parent_ts: input.thread?.parentTs ?? null,
        started_at: iso(input.startedAt ?? now()),
      });
      return get(id)!;
    },
    get,
    getFacts(id) {
      const r = selectFacts.get(id);
      if (r === undefined) return null;
      const shape = parseJsonOrNull(FactsShapeSchema, r.facts_json, {
        table: 'investigations',
        rowId: id,
        column: 'facts_json',
      });
      return shape as unknown as Facts | null;
    },
    setThread(id, thread) {
      return updateThread.run(thread.channel, thread.parentTs, id).changes === 1;
    },
    setRootTs(id, rootTs) {
      return updateRootTs.run(rootTs, id).changes === 1;
    },
    complete(id, done) {
      const result = InvestigationResultSchema.parse(done.result);
      const notes = StepNotesSchema.parse(done.notes);
      const at = iso(done.finishedAt ?? now());
      return (
        updateDone.run({ id, result: toJson(result), facts: toJson(done.facts), notes: toJson(notes), at }).changes ===
        1
      );
    },
    fail(id, failure) {
      const notes = failure.notes == null ? null : toJson(StepNotesSchema.parse(failure.notes));
      const facts = failure.facts == null ? null : toJson(failure.facts);
      const at = iso(failure.finishedAt ?? now());
      return updateFailed.run({ id, error: failure.error, facts, notes, at }).changes === 1;
    },
    listUnfinished() {
      return selectUnfinished.all().map(toRow);
    },
    claimRoot(id) {
      return claimRootTs.run(id).changes === 1;
    },
    listUnposted(since) {
      return selectUnposted.all(iso(since)).map(toRow);
    },
    listForIncident(incidentId) {
      return selectForIncident.all(incidentId).map(toRow);
    },
    listRecent(limit = 20) {
      return selectRecent.all(limit).map(toRow);
    },
  };
}
