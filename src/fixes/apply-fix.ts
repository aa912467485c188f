/**
 * Approving and applying a fix, exactly once. Every submit re-reads the stored proposal, checks expiry and
 * approver (and the two-person rule), re-reads the live object (still there, same uid, same spec — a
 * status-only change is fine —, not GitOps-managed), then moves the approval `pending → approved` atomically:
 * only the caller that made that move sends the PATCH, with `fieldManager=causa` and the uid plus the
 * resourceVersion just read as precondition. The result is recorded in the approval row and the audit log.
 * Expected outcomes are the `ApplyOutcome` union, not errors.
 */
import { z } from 'zod';
import type { KubeObject } from '../domain/k8s.js';
import type { Fix } from '../domain/result.js';
import type { ApprovalRow } from '../store/index.js';
import { type GitOpsHandoff, type GitOpsOwner, gitOpsHandoff, gitOpsOwner } from './gitops.js';
import type { KubePatcher, PatchFailure } from './patcher.js';
import { type FixPlan, planFix } from './plan-fix.js';
import {
  changeSinceProposal,
  getProposal,
  type Proposal,
  stillApplies,
  type TargetChange,
  targetChange,
} from './proposals.js';
import type { FixDeps } from './runtime.js';

export type Refusal =
  | { reason: 'unknown' }
  | { reason: 'not-approver'; approvers: readonly string[]; unresolved: string[] }
  | { reason: 'requester'; requester: string; required: number }
  | { reason: 'duplicate'; approvals: number; required: number }
  | { reason: 'expired'; expiresAt: string }
  /** No longer pending: applied, being applied, failed, rejected. */
  | { reason: 'closed'; approval: ApprovalRow }
  /**
   * The object changed since the proposal in a way the reviewed diff did not account for: `spec` (its spec,
   * labels, annotations or generation), or `version` (an older proposal bound to the exact resourceVersion).
   */
  | { reason: 'stale'; proposed: string; live: string; change: Exclude<TargetChange, 'none' | 'status-only'> }
  | { reason: 'deleted' }
  | { reason: 'recreated'; uid: string }
  | { reason: 'unreadable'; failure: PatchFailure };

export type ApplyOutcome =
  | {
      kind: 'applied';
      proposal: Proposal;
      by: string;
      approvers: string[];
      at: string;
      before: KubeObject;
      object: KubeObject;
      plan: FixPlan | null;
      /** The PATCH response was lost (timeout); a re-read showed the change had landed. */
      confirmedByRead: boolean;
    }
  /** Two-person mode: this approval was recorded; another approver must still approve. */
  | { kind: 'recorded'; proposal: Proposal; by: string; approvals: number; required: number }
  | {
      kind: 'gitops';
      proposal: Proposal;
      by: string;
      owner: GitOpsOwner;
      handoff: GitOpsHandoff;
      plan: FixPlan;
      first: boolean;
    }
  | { kind: 'refused'; proposal: Proposal | null; by: string; refusal: Refusal }
  | { kind: 'failed'; proposal: Proposal; by: string; failure: PatchFailure };

/** What the approval row's `outcome_json` holds once it is decided. */
export const OutcomeRecordSchema = z.object({
  kind: z.enum(['applied', 'failed', 'gitops', 'stale', 'deleted', 'recreated', 'interrupted']),
  by: z.string().nullable(),
  at: z.string(),
  message: z.string().nullable(),
});
export type OutcomeRecord = z.infer<typeof OutcomeRecordSchema>;

export function outcomeOf(approval: ApprovalRow): OutcomeRecord | null {
  const parsed = OutcomeRecordSchema.safeParse(approval.outcome);
  return parsed.success ? parsed.data : null;
}

/** A plan, or null when the patch cannot even be previewed locally (the dry run says why). */
export function safePlan(fix: Fix, live: KubeObject, after?: KubeObject): FixPlan | null {
  try {
    return planFix(fix, live, after);
  } catch {
    return null;
  }
}

/** The change a fix makes is already in `obj` (applying it again would change nothing). */
function fixIsPresent(fix: Fix, obj: KubeObject): boolean {
  return safePlan(fix, obj)?.changes.length === 0;
}

const RETRYABLE_UNKNOWN = new Set(['timeout', 'unreachable', 'server']);

/**
 * The checks that need no cluster access, shared by the click and the submit: approver first (others learn
 * only who may approve), then expiry, state, the two-person rule's exclusion of the requester, duplicate votes.
 */
export async function gate(deps: FixDeps, p: Proposal, user: string): Promise<Refusal | null> {
  const check = await deps.fixes.approvers.isApprover(user);
  if (!check.ok)
    return { reason: 'not-approver', approvers: deps.fixes.approvers.configured, unresolved: check.unresolved };
  const a = p.approval;
  if (a.status === 'pending' && a.expiresAt <= deps.now().toISOString()) {
    if (deps.store.approvals.transition(a.id, 'pending', 'expired')) {
      deps.store.audit.append({
        actor: 'causa',
        action: 'fix.expired',
        target: a.id,
        detail: { expiresAt: a.expiresAt },
      });
    }
    return { reason: 'expired', expiresAt: a.expiresAt };
  }
  if (a.status === 'expired') return { reason: 'expired', expiresAt: a.expiresAt };
  if (a.status !== 'pending') return { reason: 'closed', approval: a };
  if (a.required >= 2 && a.requestedBy === user) return { reason: 'requester', requester: user, required: a.required };
  if (a.approvals.some((v) => v.user === user)) {
    return { reason: 'duplicate', approvals: a.approvals.length, required: a.required };
  }
  return null;
}

/** Records a refusal in the audit log and returns it as an outcome. */
export function refuse(deps: FixDeps, p: Proposal | null, user: string, refusal: Refusal): ApplyOutcome {
  if (p) {
    const detail =
      refusal.reason === 'closed'
        ? { reason: refusal.reason, status: refusal.approval.status }
        : refusal.reason === 'unreadable'
          ? { reason: refusal.reason, kind: refusal.failure.kind, message: refusal.failure.message }
          : refusal;
    deps.store.audit.append({
      actor: user,
      action: 'fix.refused',
      target: p.approval.id,
      detail: JSON.parse(JSON.stringify(detail)),
    });
  }
  return { kind: 'refused', proposal: p, by: user, refusal };
}

/** The target moved on (deleted, recreated, changed): the proposal can never apply; close it, then refuse. */
function closeAndRefuse(
  deps: FixDeps,
  p: Proposal,
  user: string,
  kind: 'stale' | 'deleted' | 'recreated',
  refusal: Refusal,
): ApplyOutcome {
  const outcome: OutcomeRecord = { kind, by: user, at: deps.now().toISOString(), message: null };
  deps.store.approvals.transition(p.approval.id, 'pending', 'failed', { outcome });
  return refuse(deps, p, user, refusal);
}

/**
 * A GitOps-managed target: never patched. The proposal is closed as `rejected` (by Causa) so the hand-over
 * (patch file, kubectl, Git change) is offered once; `first` tells the caller it made that move.
 */
export function handOffToGitOps(
  deps: FixDeps,
  p: Proposal,
  live: KubeObject,
  owner: GitOpsOwner,
  user: string,
): { owner: GitOpsOwner; handoff: GitOpsHandoff; plan: FixPlan; first: boolean } {
  const fix = p.approval.fix;
  const plan = safePlan(fix, live) ?? {
    resource: p.record.resource,
    patchYaml: '',
    changes: [],
    diff: '',
    restartsPods: false,
  };
  const handoff = gitOpsHandoff(fix, p.record.context, owner, plan);
  const outcome: OutcomeRecord = { kind: 'gitops', by: user, at: deps.now().toISOString(), message: handoff.why };
  const first = deps.store.approvals.transition(p.approval.id, 'pending', 'rejected', { decidedBy: 'causa', outcome });
  if (first) {
    deps.store.audit.append({
      actor: user,
      action: 'fix.gitops_handoff',
      target: p.approval.id,
      detail: { tool: owner.tool, marker: owner.marker, source: owner.source },
    });
  }
  return { owner, handoff, plan, first };
}

/** Whether `approvals.gitops: auto` keeps Causa's hands off this object. */
export function gitOpsGuard(deps: FixDeps, live: KubeObject): GitOpsOwner | null {
  return deps.config.approvals.gitops === 'auto' ? gitOpsOwner(live) : null;
}

export async function submitApproval(deps: FixDeps, approvalId: string, user: string): Promise<ApplyOutcome> {
  const p = getProposal(deps.store, approvalId);
  if (!p) return refuse(deps, null, user, { reason: 'unknown' });
  const refusal = await gate(deps, p, user);
  if (refusal) return refuse(deps, p, user, refusal);

  const fix = p.approval.fix;
  let patcher: KubePatcher;
  try {
    patcher = await deps.fixes.patchers.get(p.record.context);
  } catch (err) {
    const failure: PatchFailure = {
      kind: 'unreachable',
      status: null,
      message: (err as Error).message,
      permission: null,
      causes: [],
    };
    return refuse(deps, p, user, { reason: 'unreadable', failure });
  }
  const got = await patcher.get(fix.resource);
  if (!got.ok) {
    if (got.failure.kind === 'not-found') return closeAndRefuse(deps, p, user, 'deleted', { reason: 'deleted' });
    return refuse(deps, p, user, { reason: 'unreadable', failure: got.failure });
  }
  const live = got.object;
  const uid = live.metadata?.uid ?? '';
  const rv = live.metadata?.resourceVersion ?? '';
  if (uid !== p.record.uid) return closeAndRefuse(deps, p, user, 'recreated', { reason: 'recreated', uid });
  // Bound to the spec (status writes move the resourceVersion all through an incident), or — proposals of older
  // versions, without a spec hash — to the exact resourceVersion.
  const change = changeSinceProposal(p, live);
  if (!stillApplies(change)) {
    return closeAndRefuse(deps, p, user, 'stale', {
      reason: 'stale',
      proposed: p.record.resourceVersion,
      live: rv,
      change,
    });
  }
  const owner = gitOpsGuard(deps, live);
  if (owner) return { kind: 'gitops', proposal: p, by: user, ...handOffToGitOps(deps, p, live, owner, user) };

  // The one atomic step: only the caller that moves the approval to `approved` sends the PATCH.
  const vote = deps.store.approvals.addApproval(p.approval.id, user);
  switch (vote.result) {
    case 'not-found':
      return refuse(deps, p, user, { reason: 'unknown' });
    case 'expired':
      return refuse(deps, p, user, { reason: 'expired', expiresAt: vote.approval.expiresAt });
    case 'duplicate':
      return refuse(deps, p, user, {
        reason: 'duplicate',
        approvals: vote.approval.approvals.length,
        required: vote.approval.required,
      });
    case 'not-pending':
      return refuse(deps, p, user, { reason: 'closed', approval: vote.approval });
    case 'recorded':
      deps.store.audit.append({
        actor: user,
        action: 'fix.approval_recorded',
        target: p.approval.id,
        detail: { approvals: vote.approval.approvals.length, required: vote.approval.required },
      });
      return {
        kind: 'recorded',
        proposal: { ...p, approval: vote.approval },
        by: user,
        approvals: vote.approval.approvals.length,
        required: vote.approval.required,
      };
    case 'approved':
      break;
  }
  const approvers = vote.approval.approvals.map((v) => v.user);
  deps.store.audit.append({ actor: user, action: 'fix.approved', target: p.approval.id, detail: { approvers } });

  // The precondition is the version just read (checked above to carry the reviewed spec): whatever changes the
  // object from here on, spec or status, makes the API server answer 409 instead of applying.
  const res = await patcher.patch({ fix, dryRun: false, precondition: { resourceVersion: rv, uid } });
  let object = res.ok ? res.object : null;
  let confirmedByRead = false;
  if (!res.ok && RETRYABLE_UNKNOWN.has(res.failure.kind)) {
    // The request may have landed even though the answer was lost: look before calling it failed.
    const again = await patcher.get(fix.resource);
    if (again.ok && again.object.metadata?.resourceVersion !== rv && fixIsPresent(fix, again.object)) {
      object = again.object;
      confirmedByRead = true;
    }
  }
  const at = deps.now().toISOString();
  if (object) {
    const outcome: OutcomeRecord = { kind: 'applied', by: user, at, message: null };
    deps.store.approvals.transition(p.approval.id, 'approved', 'applied', { outcome });
    deps.store.audit.append({
      actor: user,
      action: 'fix.applied',
      target: p.approval.id,
      detail: {
        resource: p.record.resource,
        context: p.record.context,
        patchType: fix.patchType,
        patch: JSON.parse(JSON.stringify(fix.patch ?? null)),
        approvers,
        proposedResourceVersion: p.record.resourceVersion,
        statusOnlyChange: change === 'status-only',
        resourceVersionBefore: rv,
        resourceVersionAfter: object.metadata?.resourceVersion ?? null,
        generation: object.metadata?.generation ?? null,
        confirmedByRead,
      },
    });
    return {
      kind: 'applied',
      proposal: { ...p, approval: deps.store.approvals.get(p.approval.id) ?? vote.approval },
      by: user,
      approvers,
      at,
      before: live,
      object,
      plan: safePlan(fix, live, object),
      confirmedByRead,
    };
  }
  const failure = (res as { ok: false; failure: PatchFailure }).failure;
  const outcome: OutcomeRecord = { kind: 'failed', by: user, at, message: failure.message };
  deps.store.approvals.transition(p.approval.id, 'approved', 'failed', { outcome });
  deps.store.audit.append({
    actor: user,
    action: 'fix.failed',
    target: p.approval.id,
    detail: {
      kind: failure.kind,
      status: failure.status,
      message: failure.message,
      permission: failure.permission,
      proposedResourceVersion: p.record.resourceVersion,
      preconditionResourceVersion: rv,
      statusOnlyChange: change === 'status-only',
    },
  });
  return { kind: 'failed', proposal: p, by: user, failure };
}

export interface Recovered {
  proposal: Proposal;
  /** The object shows the change: the PATCH landed before the restart. */
  applied: boolean;
}

/**
 * At start-up: approvals left `approved` by a process that died between approving and recording the PATCH's
 * result (approved before this process started: a submit this process is serving right now is not touched).
 * The PATCH is never sent again (exactly once or none): the live object says whether it landed.
 */
export async function recoverInterrupted(deps: FixDeps): Promise<Recovered[]> {
  const ids = deps.store.db
    .prepare<[string], string>(
      `SELECT id FROM pending_approvals WHERE status = 'approved' AND decided_at < ? ORDER BY created_at`,
    )
    .pluck()
    .all(deps.fixes.startedAt.toISOString());
  const out: Recovered[] = [];
  for (const id of ids) {
    const p = getProposal(deps.store, id);
    if (!p) continue;
    let applied = false;
    try {
      const got = await (await deps.fixes.patchers.get(p.record.context)).get(p.approval.fix.resource);
      // Landed = the object moved on since the proposal (its spec, for a spec-bound proposal: status writes say
      // nothing) and now carries the change.
      applied =
        got.ok &&
        (p.record.specHash === undefined
          ? got.object.metadata?.resourceVersion !== p.record.resourceVersion
          : targetChange(p.record, got.object) === 'spec') &&
        fixIsPresent(p.approval.fix, got.object);
    } catch (err) {
      deps.log.warn('cannot check an interrupted fix', { approval: id, err: err as Error });
    }
    const outcome: OutcomeRecord = {
      kind: applied ? 'applied' : 'interrupted',
      by: p.approval.decidedBy,
      at: deps.now().toISOString(),
      message: 'Causa restarted while applying this fix',
    };
    if (!deps.store.approvals.transition(id, 'approved', applied ? 'applied' : 'failed', { outcome })) continue;
    deps.store.audit.append({
      actor: 'causa',
      action: applied ? 'fix.applied' : 'fix.failed',
      target: id,
      detail: { interruptedByRestart: true, confirmedByRead: applied },
    });
    out.push({ proposal: { ...p, approval: deps.store.approvals.get(id) ?? p.approval }, applied });
  }
  return out;
}
