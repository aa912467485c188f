/** Was the root cause right? One vote per user per investigation; a second vote replaces the first. */
import type { Database } from 'better-sqlite3';
import { iso, type RepoOptions, systemNow } from './clock.js';

export const VERDICTS = ['correct', 'wrong'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface FeedbackRow {
  investigationId: string;
  userId: string;
  verdict: Verdict;
  comment: string | null;
  /** When this (latest) vote was cast. */
  createdAt: string;
}

export interface NewFeedback {
  investigationId: string;
  userId: string;
  verdict: Verdict;
  comment?: string | null;
}

export interface FeedbackRepo {
  /** Records the vote; `replaced` is true when the user had voted before (their old vote is gone). */
  record(input: NewFeedback): { feedback: FeedbackRow; replaced: boolean };
  get(investigationId: string, userId: string): FeedbackRow | null;
  listForInvestigation(investigationId: string): FeedbackRow[];
  tally(investigationId: string): { correct: number; wrong: number };
}

interface Row {
  investigation_id: string;
  user_id: string;
  verdict: Verdict;
  comment: string | null;
  created_at: string;
}

const toRow = (r: Row): FeedbackRow => ({
  investigationId: r.investigation_id,
  userId: r.user_id,
  verdict: r.verdict,
  comment: r.comment,
  createdAt: r.created_at,
});

export function createFeedbackRepo(db: Database, options: RepoOptions = {}): FeedbackRepo {
  const now = options.now ?? systemNow;
  const selectOne = db.prepare<[string, string], Row>(
    'SELECT * FROM feedback WHERE investigation_id = ? AND user_id = ?',
  );
  const upsert = db.prepare<[string, string, string, string | null, string]>(
    `INSERT INTO feedback (investigation_id, user_id, verdict, comment, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (investigation_id, user_id) DO UPDATE SET verdict = excluded.verdict, comment = excluded.comment,
       created_at = excluded.created_at`,
  );
  const selectAll = db.prepare<[string], Row>(
    'SELECT * FROM feedback WHERE investigation_id = ? ORDER BY created_at, user_id',
  );
  const selectTally = db.prepare<[string], { correct: number; wrong: number }>(
    `SELECT coalesce(sum(verdict = 'correct'), 0) AS correct, coalesce(sum(verdict = 'wrong'), 0) AS wrong
     FROM feedback WHERE investigation_id = ?`,
  );

  const record = db.transaction((input: NewFeedback) => {
    const replaced = selectOne.get(input.investigationId, input.userId) !== undefined;
    upsert.run(input.investigationId, input.userId, input.verdict, input.comment ?? null, iso(now()));
    return { feedback: toRow(selectOne.get(input.investigationId, input.userId)!), replaced };
  });

  return {
    record: (input) => record.immediate(input),
    get(investigationId, userId) {
      const r = selectOne.get(investigationId, userId);
      return r === undefined ? null : toRow(r);
    },
    listForInvestigation(investigationId) {
      return selectAll.all(investigationId).map(toRow);
    },
    tally(investigationId) {
      return selectTally.get(investigationId)!;
    },
  };
}
