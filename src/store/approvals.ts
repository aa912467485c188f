/**
 * Approve-fix requests. The status moves along a fixed state machine, always with an atomic
 * `UPDATE … WHERE id = ? AND status = ?`: whoever changes the row first wins, everyone else gets
 * `false`, so a fix is never approved or applied twice (a database trigger refuses illegal moves too).
 *
 *   pending ─► approved ─► applied
 *      │           └─────► failed
 *      └─► rejected | expired | failed
 */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { type Fix, FixSchema } from '../domain/result.js';
import { iso, type RepoOptions, systemNow } from './clock.js';
import { newId } from './ids.js';
import { parseJson, parseJsonOrNull, toJson } from './json.js';

export const APPROVAL_STATUSES = ['pending', 'approved', 'applied', 'rejected', 'expired', 'failed'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** The legal moves (mirrored by the `pending_approvals_state_machine` trigger in 0001_init.sql). */
export const APPROVAL_TRANSITIONS = {
  pending: ['approved', 'rejected', 'expired', 'failed'],
  approved: ['applied', 'failed'],
  applied: [],
  rejected: [],
  expired: [],
  failed: [],
} as const satisfies Record<ApprovalStatus, readonly ApprovalStatus[]>;

export const ApprovalVoteSchema = z.object({ user: z.string(), at: z.string() });
export type ApprovalVote = z.infer<typeof ApprovalVoteSchema>;
const VotesSchema = z.array(ApprovalVoteSchema);

/** What applying produced (the fixes module's ApplyOutcome, or any JSON it chooses). */
export const OutcomeSchema = z.json();
export type ApprovalOutcome = z.infer<typeof OutcomeSchema>;

export interface ApprovalRow {
  id: string;
  investigationId: string;
  fix: Fix;
  /** `metadata.resourceVersion` when the fix was proposed (display, audit; the PATCH is conditioned on the version read at submit). */
  resourceVersion: string | null;
  requestedBy: string;
  approvals: ApprovalVote[];
  required: number;
  status: ApprovalStatus;
  createdAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  viewId: string | null;
  outcome: ApprovalOutcome | null;
}

export interface NewApproval {
  investigationId: string;
  fix: Fix;
  resourceVersion?: string | null;
  requestedBy: string;
  /** Different people who must approve (default 1). */
  required?: number;
  expiresAt: Date;
  viewId?: string | null;
}

export interface TransitionExtra {
  decidedBy?: string | null;
  outcome?: ApprovalOutcome | null;
  viewId?: string | null;
}

export type AddApprovalResult =
  | { result: 'recorded' | 'approved'; approval: ApprovalRow }
  | { result: 'duplicate' | 'not-pending' | 'expired'; approval: ApprovalRow }
  | { result: 'not-found'; approval: null };

export interface ApprovalsRepo {
  create(input: NewApproval): ApprovalRow;
  /** The row with `fix_json` re-validated (FixSchema). Throws StoredDataError when it no longer validates. */
  get(id: string): ApprovalRow | null;
  /**
   * Atomic `from → to`: true only for the one caller that moved it. `→ approved` also requires the
   * request not to have expired and `required` different approvers counting `extra.decidedBy` (who
   * is added to `approvals`); for two-person approval use `addApproval`. Decisions out of `pending`
   * record `decided_at`. Throws on a move the state machine does not allow (a programming error).
   */
  transition(id: string, from: ApprovalStatus, to: ApprovalStatus, extra?: TransitionExtra): boolean;
  /**
   * Adds one person's approval; the request becomes `approved` when `required` different people
   * have approved. Atomic (one IMMEDIATE transaction).
   */
  addApproval(id: string, user: string): AddApprovalResult;
  setViewId(id: string, viewId: string): boolean;
  /** pending → expired for every request past `expires_at`; returns their ids. */
  expireDue(): string[];
  listPending(): ApprovalRow[];
  listForInvestigation(investigationId: string): ApprovalRow[];
}

interface Row {
  id: string;
  investigation_id: string;
  fix_json: string;
  resource_version: string | null;
  requested_by: string;
  approvals_json: string;
  required: number;
  status: ApprovalStatus;
  created_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  view_id: string | null;
  outcome_json: string | null;
}

const toRow = (r: Row): ApprovalRow => {
  const where = (column: string) => ({ table: 'pending_approvals', rowId: r.id, column });
  return {
    id: r.id,
    investigationId: r.investigation_id,
    fix: parseJson(FixSchema, r.fix_json, where('fix_json')),
    resourceVersion: r.resource_version,
    requestedBy: r.requested_by,
    approvals: parseJson(VotesSchema, r.approvals_json, where('approvals_json')),
    required: r.required,
    status: r.status,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    viewId: r.view_id,
    outcome: parseJsonOrNull(OutcomeSchema, r.outcome_json, where('outcome_json')),
  };
};

export function isLegalTransition(from: ApprovalStatus, to: ApprovalStatus): boolean {
  return (APPROVAL_TRANSITIONS[from] as readonly ApprovalStatus[]).includes(to);
}

export function createApprovalsRepo(db: Database, options: RepoOptions = {}): ApprovalsRepo {
  const now = options.now ?? systemNow;
  const insert = db.prepare<{
    id: string;
    investigation_id: string;
    fix_json: string;
    resource_version: string | null;
    requested_by: string;
    required: number;
    created_at: string;
    expires_at: string;
    view_id: string | null;
  }>(
    `INSERT INTO pending_approvals (id, investigation_id, fix_json, resource_version, requested_by, required,
       created_at, expires_at, view_id)
     VALUES (@id, @investigation_id, @fix_json, @resource_version, @requested_by, @required, @created_at,
       @expires_at, @view_id)`,
  );
  const selectById = db.prepare<[string], Row>('SELECT * FROM pending_approvals WHERE id = ?');
  // → approved demands an unexpired request and `required` different approvers (the recorded votes plus
  // @decided_by, who is added to them): a two-person rule cannot be bypassed by calling transition().
  const updateStatus = db.prepare<{
    id: string;
    from: string;
    to: string;
    now: string;
    decision: number;
    decided_by: string | null;
    outcome: string | null;
    view_id: string | null;
  }>(
    `UPDATE pending_approvals SET
       status = @to,
       approvals_json = CASE
         WHEN @to = 'approved' AND @decided_by IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM json_each(approvals_json) WHERE json_extract(value, '$.user') = @decided_by)
         THEN json_insert(approvals_json, '$[#]', json_object('user', @decided_by, 'at', @now))
         ELSE approvals_json END,
       decided_by = CASE WHEN @decision = 1 THEN coalesce(@decided_by, decided_by) ELSE decided_by END,
       decided_at = CASE WHEN @decision = 1 THEN @now ELSE decided_at END,
       outcome_json = coalesce(@outcome, outcome_json),
       view_id = coalesce(@view_id, view_id)
     WHERE id = @id AND status = @from
       AND (@to <> 'approved' OR (
         expires_at > @now
         AND (SELECT count(DISTINCT u) FROM (
               SELECT json_extract(value, '$.user') AS u FROM json_each(approvals_json)
               UNION SELECT @decided_by WHERE @decided_by IS NOT NULL)) >= required))`,
  );
  const updateVotes = db.prepare<[string, string]>(
    `UPDATE pending_approvals SET approvals_json = ? WHERE id = ? AND status = 'pending'`,
  );
  const updateViewId = db.prepare<[string, string]>('UPDATE pending_approvals SET view_id = ? WHERE id = ?');
  const expire = db.prepare<{ now: string }, { id: string }>(
    `UPDATE pending_approvals SET status = 'expired', decided_at = @now
     WHERE status = 'pending' AND expires_at <= @now RETURNING id`,
  );
  const selectPending = db.prepare<[], Row>(
    `SELECT * FROM pending_approvals WHERE status = 'pending' ORDER BY expires_at, id`,
  );
  const selectForInvestigation = db.prepare<[string], Row>(
    'SELECT * FROM pending_approvals WHERE investigation_id = ? ORDER BY created_at, id',
  );

  const get = (id: string): ApprovalRow | null => {
    const r = selectById.get(id);
    return r === undefined ? null : toRow(r);
  };

  const transition = (id: string, from: ApprovalStatus, to: ApprovalStatus, extra: TransitionExtra = {}): boolean => {
    if (!isLegalTransition(from, to)) throw new Error(`pending_approvals: illegal transition ${from} → ${to}`);
    return (
      updateStatus.run({
        id,
        from,
        to,
        now: iso(now()),
        decision: from === 'pending' ? 1 : 0,
        decided_by: extra.decidedBy ?? null,
        outcome: extra.outcome == null ? null : toJson(OutcomeSchema.parse(extra.outcome)),
        view_id: extra.viewId ?? null,
      }).changes === 1
    );
  };

  const addApproval = db.transaction((id: string, user: string): AddApprovalResult => {
    const row = get(id);
    if (row === null) return { result: 'not-found', approval: null };
    if (row.status !== 'pending') return { result: 'not-pending', approval: row };
    const at = iso(now());
    if (row.expiresAt <= at) {
      transition(id, 'pending', 'expired');
      return { result: 'expired', approval: get(id)! };
    }
    if (row.approvals.some((v) => v.user === user)) return { result: 'duplicate', approval: row };
    if (row.approvals.length + 1 < row.required) {
      updateVotes.run(toJson([...row.approvals, { user, at }]), id);
      return { result: 'recorded', approval: get(id)! };
    }
    if (!transition(id, 'pending', 'approved', { decidedBy: user })) {
      throw new Error(`pending_approvals ${id}: approval by ${user} did not apply`); // unreachable in a transaction
    }
    return { result: 'approved', approval: get(id)! };
  });

  return {
    create(input) {
      const id = newId('apr');
      const required = input.required ?? 1;
      if (!Number.isInteger(required) || required < 1)
        throw new Error(`required approvals must be ≥ 1, got ${required}`);
      insert.run({
        id,
        investigation_id: input.investigationId,
        fix_json: toJson(FixSchema.parse(input.fix)),
        resource_version: input.resourceVersion ?? null,
        requested_by: input.requestedBy,
        required,
        created_at: iso(now()),
        expires_at: iso(input.expiresAt),
        view_id: input.viewId ?? null,
      });
      return get(id)!;
    },
    get,
    transition,
    addApproval: (id, user) => addApproval.immediate(id, user),
    setViewId(id, viewId) {
      return updateViewId.run(viewId, id).changes === 1;
    },
    expireDue() {
      return expire.all({ now: iso(now()) }).map((r) => r.id);
    },
    listPending() {
      return selectPending.all().map(toRow);
    },
    listForInvestigation(investigationId) {
      return selectForInvestigation.all(investigationId).map(toRow);
    },
  };
}
