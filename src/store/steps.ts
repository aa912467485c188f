/**
 * Step runs: one row per (investigation, step). `posted_ts` records the thread reply, and
 * `markPosted` only succeeds once, so a restarted investigation never posts a step twice.
 */
import type { Database } from 'better-sqlite3';
import { iso, type RepoOptions, systemNow } from './clock.js';

export const STEP_RUN_STATUSES = ['running', 'ok', 'empty', 'error', 'skipped'] as const;
export type StepRunStatus = (typeof STEP_RUN_STATUSES)[number];
/** The finished statuses (domain/result.ts StepStatus). */
export type StepOutcome = Exclude<StepRunStatus, 'running'>;

export interface StepRunRow {
  investigationId: string;
  step: string;
  status: StepRunStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  apiCalls: number;
  error: string | null;
  /** ts of the thread reply, once posted. */
  postedTs: string | null;
  /** The reply was being sent when the process stopped: it may be in the thread (never send it again). */
  posting: boolean;
}

export interface StepFinish {
  status: StepOutcome;
  durationMs: number;
  apiCalls: number;
  error?: string | null;
  finishedAt?: Date;
}

export interface StepsRepo {
  /** Records that a step started. False when the step already has a row (a resumed investigation). */
  start(investigationId: string, step: string, startedAt?: Date): boolean;
  /** Records the step's outcome (inserting the row if `start` was not called). Keeps `posted_ts`. */
  finish(investigationId: string, step: string, outcome: StepFinish): void;
  /**
   * Claims the step's reply before it is sent (write-ahead): false when it is already claimed or
   * posted. A crash between the send and `markPosted` leaves the claim, so a resumed run does not
   * send it twice.
   */
  markPosting(investigationId: string, step: string): boolean;
  /** Sets the reply ts once; false when the step was already posted (or has no row). */
  markPosted(investigationId: string, step: string, postedTs: string): boolean;
  get(investigationId: string, step: string): StepRunRow | null;
  /** In start order. */
  list(investigationId: string): StepRunRow[];
}

interface Row {
  investigation_id: string;
  step: string;
  status: StepRunStatus;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  api_calls: number;
  error: string | null;
  posted_ts: string | null;
}

const toRow = (r: Row): StepRunRow => ({
  investigationId: r.investigation_id,
  step: r.step,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  durationMs: r.duration_ms,
  apiCalls: r.api_calls,
  error: r.error,
  postedTs: r.posted_ts || null,
  posting: r.posted_ts === '',
});

export function createStepsRepo(db: Database, options: RepoOptions = {}): StepsRepo {
  const now = options.now ?? systemNow;
  const insertStart = db.prepare<[string, string, string]>(
    `INSERT INTO step_runs (investigation_id, step, status, started_at) VALUES (?, ?, 'running', ?)
     ON CONFLICT (investigation_id, step) DO NOTHING`,
  );
  const upsertFinish = db.prepare<{
    inv: string;
    step: string;
    status: StepOutcome;
    duration: number;
    calls: number;
    error: string | null;
    started: string;
    finished: string;
  }>(
    `INSERT INTO step_runs (investigation_id, step, status, started_at, finished_at, duration_ms, api_calls, error)
     VALUES (@inv, @step, @status, @started, @finished, @duration, @calls, @error)
     ON CONFLICT (investigation_id, step) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at,
       duration_ms = excluded.duration_ms, api_calls = excluded.api_calls, error = excluded.error`,
  );
  const claimPosting = db.prepare(
    `UPDATE step_runs SET posted_ts = '' WHERE investigation_id = ? AND step = ? AND posted_ts IS NULL`,
  );
  const updatePosted = db.prepare<[string, string, string]>(
    `UPDATE step_runs SET posted_ts = ? WHERE investigation_id = ? AND step = ? AND (posted_ts IS NULL OR posted_ts = '')`,
  );
  const selectOne = db.prepare<[string, string], Row>(
    'SELECT * FROM step_runs WHERE investigation_id = ? AND step = ?',
  );
  const selectAll = db.prepare<[string], Row>(
    'SELECT * FROM step_runs WHERE investigation_id = ? ORDER BY started_at, rowid',
  );

  return {
    start(investigationId, step, startedAt) {
      return insertStart.run(investigationId, step, iso(startedAt ?? now())).changes === 1;
    },
    finish(investigationId, step, outcome) {
      const finished = outcome.finishedAt ?? now();
      const started = new Date(finished.getTime() - Math.max(0, outcome.durationMs));
      upsertFinish.run({
        inv: investigationId,
        step,
        status: outcome.status,
        duration: Math.round(outcome.durationMs),
        calls: outcome.apiCalls,
        error: outcome.error ?? null,
        started: iso(started),
        finished: iso(finished),
      });
    },
    markPosting(investigationId, step) {
      return claimPosting.run(investigationId, step).changes === 1;
    },
    markPosted(investigationId, step, postedTs) {
      return updatePosted.run(postedTs, investigationId, step).changes === 1;
    },
    get(investigationId, step) {
      const r = selectOne.get(investigationId, step);
      return r === undefined ? null : toRow(r);
    },
    list(investigationId) {
      return selectAll.all(investigationId).map(toRow);
    },
  };
}
