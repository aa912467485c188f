/**
 * Rows named by Slack button values (interface.md §3): the button's `value` is an action id, never
 * data. On click the row is read back and its payload re-validated with zod for its kind
 * (architecture principle 4). One `root_cause` row serves every button of one root-cause message.
 *
 * `action_runs` records each click being served; a partial unique index allows one running run per
 * (action, kind), so a second click while the first runs does nothing (`claimActionRun` → null).
 */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { CauseIdSchema, FixSchema } from '../domain/result.js';
import { iso, type RepoOptions, systemNow } from './clock.js';
import { newId } from './ids.js';
import { InvestigationTargetSchema } from './investigations.js';
import { parseJson, toJson, validate } from './json.js';

/** What a button does (the suffix of its `causa.*` action_id; feedback_correct/_wrong are `feedback`). */
export const ACTION_KINDS = [
  'show_node_events',
  'show_pod_events',
  'show_logs',
  'show_rollout_history',
  'rerun',
  'apply_fix',
  'feedback',
] as const;
export const ActionKindSchema = z.enum(ACTION_KINDS);
export type ActionKind = z.infer<typeof ActionKindSchema>;

/** A stored row's kind: one of the action kinds, or `root_cause` (one row for all buttons of a message). */
export const ACTION_ROW_KINDS = ['root_cause', ...ACTION_KINDS] as const;
export type ActionRowKind = (typeof ACTION_ROW_KINDS)[number];

const target = InvestigationTargetSchema;

/** Payload per kind. Everything a handler may need beyond the investigation's captured Facts. */
export const ActionSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('root_cause'),
    payload: z.object({
      target,
      causeId: CauseIdSchema,
      /** The buttons this message shows; a click on any other kind is refused. */
      offered: z.array(ActionKindSchema).min(1),
      /** The fix shown in the message (the one `apply_fix` may propose), or null. */
      fix: FixSchema.nullable(),
    }),
  }),
  z.object({
    kind: z.literal('show_node_events'),
    payload: z.object({ target, nodes: z.array(z.string()) }),
  }),
  z.object({
    kind: z.literal('show_pod_events'),
    payload: z.object({ target, pods: z.array(z.string()) }),
  }),
  z.object({
    kind: z.literal('show_logs'),
    payload: z.object({ target, pod: z.string().nullable(), container: z.string().nullable() }),
  }),
  z.object({ kind: z.literal('show_rollout_history'), payload: z.object({ target }) }),
  z.object({ kind: z.literal('rerun'), payload: z.object({ target }) }),
  z.object({ kind: z.literal('apply_fix'), payload: z.object({ target, fix: FixSchema }) }),
  z.object({ kind: z.literal('feedback'), payload: z.object({ target, causeId: CauseIdSchema }) }),
]);
export type ActionSpec = z.infer<typeof ActionSpecSchema>;

export type ActionRow = ActionSpec & { id: string; investigationId: string; createdAt: string };

export const ACTION_RUN_STATUSES = ['running', 'done', 'failed'] as const;
export type ActionRunStatus = (typeof ACTION_RUN_STATUSES)[number];

export interface ActionRunRow {
  id: number;
  actionId: string;
  kind: ActionKind;
  userId: string;
  status: ActionRunStatus;
  startedAt: string;
  finishedAt: string | null;
  replyTs: string | null;
  error: string | null;
}

export interface ActionRunFinish {
  status: 'done' | 'failed';
  replyTs?: string | null;
  error?: string | null;
}

export interface ActionsRepo {
  /** Stores the row a button (or a whole message's buttons) will name; returns it with its new id. */
  create(investigationId: string, spec: ActionSpec): ActionRow;
  /** The row, payload re-validated for its kind. Throws StoredDataError when it no longer validates. */
  get(id: string): ActionRow | null;
  /**
   * The row a click on a `kind` button may use: the row itself when its kind is `kind`, or a
   * `root_cause` row that offers `kind`. Null otherwise (unknown id, or a kind this row never offered).
   */
  resolve(id: string, kind: ActionKind): ActionRow | null;
  listForInvestigation(investigationId: string): ActionRow[];
  /** Starts serving a click; null when the same (action, kind) is already running. */
  claimActionRun(actionId: string, kind: ActionKind, userId: string): ActionRunRow | null;
  /** running → done/failed; false when the run is not running. */
  finishActionRun(runId: number, finish: ActionRunFinish): boolean;
  getActionRun(runId: number): ActionRunRow | null;
  listActionRuns(actionId: string): ActionRunRow[];
  /** At start-up: runs left `running` by a previous process are failed, so their buttons work again. */
  abandonRunningRuns(reason?: string): number;
}

interface Row {
  id: string;
  investigation_id: string;
  kind: ActionRowKind;
  payload_json: string;
  created_at: string;
}

interface RunRow {
  id: number;
  action_id: string;
  kind: ActionKind;
  user_id: string;
  status: ActionRunStatus;
  started_at: string;
  finished_at: string | null;
  reply_ts: string | null;
  error: string | null;
}

const toRunRow = (r: RunRow): ActionRunRow => ({
  id: r.id,
  actionId: r.action_id,
  kind: r.kind,
  userId: r.user_id,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  replyTs: r.reply_ts,
  error: r.error,
});

const toRow = (r: Row): ActionRow => {
  const where = { table: 'actions', rowId: r.id, column: 'payload_json' };
  const spec = validate(
    ActionSpecSchema,
    { kind: r.kind, payload: parseJson(z.unknown(), r.payload_json, where) },
    where,
  );
  return { ...spec, id: r.id, investigationId: r.investigation_id, createdAt: r.created_at };
};

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function createActionsRepo(db: Database, options: RepoOptions = {}): ActionsRepo {
  const now = options.now ?? systemNow;
  const insert = db.prepare<[string, string, string, string, string]>(
    'INSERT INTO actions (id, investigation_id, kind, payload_json, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const selectById = db.prepare<[string], Row>('SELECT * FROM actions WHERE id = ?');
  const selectForInvestigation = db.prepare<[string], Row>(
    'SELECT * FROM actions WHERE investigation_id = ? ORDER BY created_at, rowid',
  );
  const insertRun = db.prepare<[string, string, string, string], RunRow>(
    `INSERT INTO action_runs (action_id, kind, user_id, status, started_at) VALUES (?, ?, ?, 'running', ?)
     RETURNING *`,
  );
  const updateRun = db.prepare<{
    id: number;
    status: string;
    at: string;
    reply_ts: string | null;
    error: string | null;
  }>(
    `UPDATE action_runs SET status = @status, finished_at = @at, reply_ts = coalesce(@reply_ts, reply_ts),
       error = @error
     WHERE id = @id AND status = 'running'`,
  );
  const selectRun = db.prepare<[number], RunRow>('SELECT * FROM action_runs WHERE id = ?');
  const selectRuns = db.prepare<[string], RunRow>('SELECT * FROM action_runs WHERE action_id = ? ORDER BY id');
  const abandonRuns = db.prepare<[string, string]>(
    `UPDATE action_runs SET status = 'failed', finished_at = ?, error = ? WHERE status = 'running'`,
  );

  const get = (id: string): ActionRow | null => {
    const r = selectById.get(id);
    return r === undefined ? null : toRow(r);
  };

  return {
    create(investigationId, spec) {
      const valid = ActionSpecSchema.parse(spec);
      const id = newId('act');
      insert.run(id, investigationId, valid.kind, toJson(valid.payload), iso(now()));
      return get(id)!;
    },
    get,
    resolve(id, kind) {
      const row = get(id);
      if (row === null) return null;
      if (row.kind === kind) return row;
      if (row.kind === 'root_cause' && row.payload.offered.includes(kind)) return row;
      return null;
    },
    listForInvestigation(investigationId) {
      return selectForInvestigation.all(investigationId).map(toRow);
    },
    claimActionRun(actionId, kind, userId) {
      try {
        const r = insertRun.get(actionId, ActionKindSchema.parse(kind), userId, iso(now()));
        return r === undefined ? null : toRunRow(r);
      } catch (err) {
        if (isUniqueViolation(err)) return null;
        throw err;
      }
    },
    finishActionRun(runId, finish) {
      return (
        updateRun.run({
          id: runId,
          status: finish.status,
          at: iso(now()),
          reply_ts: finish.replyTs ?? null,
          error: finish.error ?? null,
        }).changes === 1
      );
    },
    getActionRun(runId) {
      const r = selectRun.get(runId);
      return r === undefined ? null : toRunRow(r);
    },
    listActionRuns(actionId) {
      return selectRuns.all(actionId).map(toRunRow);
    },
    abandonRunningRuns(reason = 'interrupted: Causa restarted') {
      return abandonRuns.run(iso(now()), reason).changes;
    },
  };
}
