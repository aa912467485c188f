/**
 * A fix proposal: the `pending_approvals` row (the patch, the target's resourceVersion at proposal time,
 * the requester, the expiry, the approval state) plus its append-only `fix.proposed` audit entry, which binds
 * it to the Slack button row that offers it, the cluster context and the target's uid. Both are read back and
 * validated on every click and submit; nothing from Slack but the opaque ids is trusted.
 */
import { z } from 'zod';
import type { Fix } from '../domain/result.js';
import type { ActionRow, ApprovalRow, InvestigationRow, Store } from '../store/index.js';
import { canPatch } from './patcher.js';
import { resourceLabel } from './plan-fix.js';
import type { FixDeps } from './runtime.js';

export const ProposalRecordSchema = z.object({
  /** The `actions` row the button's value names (the root-cause row, or a roll-back's `apply_fix` row). */
  actionId: z.string(),
  purpose: z.enum(['fix', 'rollback']),
  /** kubeconfig context of the cluster (null = the current context). */
  context: z.string().nullable(),
  uid: z.string(),
  resourceVersion: z.string(),
  resource: z.string(),
  /** For a roll back: the approval whose fix it undoes. */
  rollbackOf: z.string().nullable(),
});
export type ProposalRecord = z.infer<typeof ProposalRecordSchema>;

export interface Proposal {
  approval: ApprovalRow;
  record: ProposalRecord;
  investigation: InvestigationRow;
}

/** The target as it was when the fix was proposed. */
export interface TargetSnapshot {
  uid: string;
  resourceVersion: string;
}

/**
 * Reads the fix's target to bind a proposal to its current version. Null (no Apply button) when approvals
 * are not configured, Causa cannot patch that kind, or the object cannot be read.
 */
export async function snapshotTarget(deps: FixDeps, fix: Fix, context: string | null): Promise<TargetSnapshot | null> {
  if (deps.config.approvals.approvers.length === 0 || !canPatch(fix.resource)) return null;
  const resource = resourceLabel(fix.resource);
  try {
    const got = await (await deps.fixes.patchers.get(context)).get(fix.resource);
    if (!got.ok) {
      deps.log.warn('cannot read the fix target; not offering Apply fix', { resource, failure: got.failure.message });
      return null;
    }
    const { uid, resourceVersion } = got.object.metadata ?? {};
    return uid && resourceVersion ? { uid, resourceVersion } : null;
  } catch (err) {
    deps.log.warn('cannot read the fix target; not offering Apply fix', { resource, err: err as Error });
    return null;
  }
}

export interface NewProposal {
  investigationId: string;
  actionId: string;
  fix: Fix;
  snapshot: TargetSnapshot;
  context: string | null;
  /** Slack user who asked for the investigation; `causa`/`pagerduty` when nobody did. */
  requestedBy: string;
  purpose: ProposalRecord['purpose'];
  rollbackOf?: string | null;
}

export function recordProposal(deps: FixDeps, p: NewProposal): ApprovalRow {
  const { approvals } = deps.config;
  const approval = deps.store.approvals.create({
    investigationId: p.investigationId,
    fix: p.fix,
    resourceVersion: p.snapshot.resourceVersion,
    requestedBy: p.requestedBy,
    required: approvals.required,
    expiresAt: new Date(deps.now().getTime() + approvals.expiresMinutes * 60_000),
  });
  const record: ProposalRecord = {
    actionId: p.actionId,
    purpose: p.purpose,
    context: p.context,
    uid: p.snapshot.uid,
    resourceVersion: p.snapshot.resourceVersion,
    resource: resourceLabel(p.fix.resource),
    rollbackOf: p.rollbackOf ?? null,
  };
  deps.store.audit.append({ actor: p.requestedBy, action: 'fix.proposed', target: approval.id, detail: record });
  return approval;
}

function recordOf(store: Store, approvalId: string): ProposalRecord | null {
  const entry = store.audit.list({ target: approvalId, limit: 20 }).find((e) => e.action === 'fix.proposed');
  const parsed = ProposalRecordSchema.safeParse(entry?.detail);
  return parsed.success ? parsed.data : null;
}

/** The proposal with this approval id, re-read and validated; null when unknown. */
export function getProposal(store: Store, approvalId: string): Proposal | null {
  const approval = store.approvals.get(approvalId);
  if (!approval) return null;
  const record = recordOf(store, approval.id);
  const investigation = store.investigations.get(approval.investigationId);
  return record && investigation ? { approval, record, investigation } : null;
}

/** The proposal a button's stored row offers (its newest, should there be several). */
export function proposalForAction(store: Store, row: ActionRow): Proposal | null {
  const candidates = store.approvals.listForInvestigation(row.investigationId).reverse();
  for (const approval of candidates) {
    const record = recordOf(store, approval.id);
    if (record?.actionId !== row.id) continue;
    const investigation = store.investigations.get(approval.investigationId);
    return investigation ? { approval, record, investigation } : null;
  }
  return null;
}
