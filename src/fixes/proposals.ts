/**
 * A fix proposal: the `pending_approvals` row (the patch, the target's resourceVersion at proposal time,
 * the requester, the expiry, the approval state) plus its append-only `fix.proposed` audit entry, which binds
 * it to the Slack button row that offers it, the cluster context, the target's uid and a hash of its spec
 * (`specHash`, plus `generation`). Both are read back and validated on every click and submit; nothing from
 * Slack but the opaque ids is trusted.
 *
 * The binding is to the spec, not to the resourceVersion: the objects Causa fixes are the ones whose status
 * churns during an incident (every status write moves the resourceVersion), and a status write does not change
 * what the reviewed diff applies to. `targetChange` tells the two apart; the PATCH then carries the live
 * resourceVersion read just before it, so a spec change after that read is still a 409.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { KubeObject } from '../domain/k8s.js';
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
  /** `metadata.generation` at proposal time (null for kinds without one). Absent in proposals of older versions. */
  generation: z.number().int().nullable().optional(),
  /**
   * `specHash` of the target at proposal time. Absent in proposals of older versions: those stay bound to the
   * exact resourceVersion.
   */
  specHash: z.string().optional(),
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
  /** Both filled by `snapshotTarget`; a snapshot without `specHash` binds the proposal to `resourceVersion`. */
  generation?: number | null;
  specHash?: string;
}

/** JSON with object keys sorted at every level (arrays keep their order; undefined members are dropped). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * What a proposal is bound to: everything a patch can change and a reviewer looks at, nothing the cluster
 * rewrites on its own. That is every top-level field except `status` (`spec`, or `data`/`binaryData` for a
 * ConfigMap, …) plus `metadata.labels` and `metadata.annotations` — labels/annotations are in the reviewed diff,
 * patches may set them, and they decide whether GitOps owns the object. Left out: `status` and the rest of
 * `metadata` (resourceVersion, generation, managedFields — whose timestamps move on status writes —, uid,
 * creationTimestamp, …: the server's bookkeeping; uid and generation are compared separately), and
 * apiVersion/kind (the fix's reference fixes them).
 */
export function bindingState(obj: KubeObject): unknown {
  const { apiVersion: _a, kind: _k, metadata, status: _s, ...rest } = obj;
  return { ...rest, metadata: { labels: metadata?.labels ?? {}, annotations: metadata?.annotations ?? {} } };
}

/** `sha256:<hex>` of the canonical JSON of `bindingState(obj)`: unchanged by status writes and key order. */
export function specHash(obj: KubeObject): string {
  const hex = createHash('sha256')
    .update(canonicalJson(bindingState(obj)))
    .digest('hex');
  return `sha256:${hex}`;
}

/** The binding a proposal records for `obj`; null when the object has no uid or resourceVersion. */
export function snapshotOf(obj: KubeObject): TargetSnapshot | null {
  const { uid, resourceVersion, generation } = obj.metadata ?? {};
  if (!uid || !resourceVersion) return null;
  return {
    uid,
    resourceVersion,
    generation: typeof generation === 'number' ? generation : null,
    specHash: specHash(obj),
  };
}

/**
 * How the live object differs from the one the fix was proposed for (same uid assumed):
 * - `none`: the same resourceVersion;
 * - `status-only`: the resourceVersion moved, but the spec, labels and annotations hash the same and the
 *   generation (when both sides have one) did not move: the reviewed diff still applies as it was reviewed;
 * - `spec`: the spec, labels, annotations or generation changed: the proposal can never apply;
 * - `version`: the resourceVersion moved and the proposal (from an older version of Causa) has no spec hash to
 *   tell why: treated like `spec`.
 */
export type TargetChange = 'none' | 'status-only' | 'spec' | 'version';

export function targetChange(record: ProposalRecord, live: KubeObject): TargetChange {
  const rv = live.metadata?.resourceVersion ?? '';
  if (record.specHash === undefined) return rv === record.resourceVersion ? 'none' : 'version';
  const generation = live.metadata?.generation;
  const generationMoved =
    typeof record.generation === 'number' && typeof generation === 'number' && generation !== record.generation;
  if (generationMoved || specHash(live) !== record.specHash) return 'spec';
  return rv === record.resourceVersion ? 'none' : 'status-only';
}

/**
 * `targetChange` for a stored proposal. The approval row's resourceVersion is set once, at proposal time, to the
 * same value as the audit record's (nothing re-binds it): for a spec-bound proposal it is informational (the
 * PATCH's precondition is the resourceVersion read at submit); an older proposal, without a spec hash, is held to
 * both, as before.
 */
export function changeSinceProposal(p: Proposal, live: KubeObject): TargetChange {
  const change = targetChange(p.record, live);
  const rv = live.metadata?.resourceVersion ?? '';
  return p.record.specHash === undefined && change === 'none' && rv !== p.approval.resourceVersion ? 'version' : change;
}

/** Whether a proposal may still be approved against the live object (uid checked separately). */
export function stillApplies(change: TargetChange): change is 'none' | 'status-only' {
  return change === 'none' || change === 'status-only';
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
    return snapshotOf(got.object);
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
    ...(p.snapshot.specHash === undefined
      ? {}
      : { generation: p.snapshot.generation ?? null, specHash: p.snapshot.specHash }),
  };
  deps.store.audit.append({
    actor: p.requestedBy,
    action: 'fix.proposed',
    target: approval.id,
    detail: JSON.parse(JSON.stringify(record)),
  });
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
