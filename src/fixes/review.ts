/**
 * What an approver sees before approving: the live target (still there? same uid? its spec, or only its
 * status, changed since the proposal? GitOps-managed?), the result of a server-side dry run (`dryRun=All`:
 * validated and admitted by the API server, nothing stored), the diff, and the pods the change will restart.
 * Reads only, plus the dry-run PATCH.
 */
import type { KubeObject, Pod } from '../domain/k8s.js';
import { selectorString } from '../steps/lib.js';
import { gitOpsGuard, handOffToGitOps, safePlan } from './apply-fix.js';
import type { GitOpsHandoff, GitOpsOwner } from './gitops.js';
import type { PatchFailure } from './patcher.js';
import type { FixPlan } from './plan-fix.js';
import { changeSinceProposal, type Proposal, type TargetChange } from './proposals.js';
import type { FixDeps } from './runtime.js';

export interface Cluster {
  context: string | null;
  server: string;
}

export interface PodsToRestart {
  /** Null when the pods could not be listed (`error` says why). */
  count: number | null;
  /** A few of their names. */
  names: string[];
  /** How they roll, e.g. `rolling update (maxUnavailable 25%, maxSurge 25%)`. */
  strategy: string | null;
  error: string | null;
}

export type DryRun = { ok: true } | { ok: false; failure: PatchFailure };

export type Review =
  | { kind: 'unreadable'; failure: PatchFailure }
  | { kind: 'deleted' }
  | { kind: 'recreated'; uid: string }
  | {
      kind: 'gitops';
      cluster: Cluster;
      live: KubeObject;
      owner: GitOpsOwner;
      handoff: GitOpsHandoff;
      plan: FixPlan;
      /** This review closed the proposal (so it should post the hand-over). */
      first: boolean;
    }
  | {
      kind: 'ready';
      cluster: Cluster;
      live: KubeObject;
      plan: FixPlan | null;
      dryRun: DryRun;
      /** Null when the change restarts no pods. */
      pods: PodsToRestart | null;
      /**
       * `none`; `status-only` (only status moved the resourceVersion: the reviewed diff is unchanged, and the
       * dry run and the PATCH use the live resourceVersion); `spec` or `version` (cannot be applied: re-run).
       */
      changedSinceProposal: TargetChange;
    };

export async function reviewFix(deps: FixDeps, p: Proposal, user: string): Promise<Review> {
  const fix = p.approval.fix;
  const patcher = await deps.fixes.patchers.get(p.record.context);
  const got = await patcher.get(fix.resource);
  if (!got.ok)
    return got.failure.kind === 'not-found' ? { kind: 'deleted' } : { kind: 'unreadable', failure: got.failure };
  const live = got.object;
  const uid = live.metadata?.uid ?? '';
  if (uid !== p.record.uid) return { kind: 'recreated', uid };
  const cluster = { context: patcher.context ?? p.record.context, server: patcher.server };
  const owner = gitOpsGuard(deps, live);
  if (owner) return { kind: 'gitops', cluster, live, ...handOffToGitOps(deps, p, live, owner, user) };

  const rv = live.metadata?.resourceVersion ?? '';
  const dry = await patcher.patch({ fix, dryRun: true, precondition: { resourceVersion: rv, uid } });
  const plan = safePlan(fix, live, dry.ok ? dry.object : undefined);
  const pods = plan?.restartsPods ? await podsToRestart(deps, p.record.context, live) : null;
  const changedSinceProposal = changeSinceProposal(p, live);
  deps.store.audit.append({
    actor: user,
    action: 'fix.reviewed',
    target: p.approval.id,
    detail: {
      dryRun: dry.ok ? 'ok' : dry.failure.kind,
      proposedResourceVersion: p.record.resourceVersion,
      liveResourceVersion: rv,
      changedSinceProposal,
      statusOnlyChange: changedSinceProposal === 'status-only',
      changes: plan?.changes.length ?? null,
    },
  });
  return {
    kind: 'ready',
    cluster,
    live,
    plan,
    dryRun: dry.ok ? { ok: true } : { ok: false, failure: dry.failure },
    pods,
    changedSinceProposal,
  };
}

/** How a workload replaces its pods when its template changes. */
export function rolloutStrategy(obj: KubeObject): string | null {
  const spec = obj.spec ?? {};
  switch (obj.kind) {
    case 'Deployment': {
      if (spec.strategy?.type === 'Recreate') return 'all at once (Recreate strategy: expect downtime)';
      const ru = spec.strategy?.rollingUpdate ?? {};
      return `rolling update (maxUnavailable ${ru.maxUnavailable ?? '25%'}, maxSurge ${ru.maxSurge ?? '25%'})`;
    }
    case 'StatefulSet':
      return spec.updateStrategy?.type === 'OnDelete'
        ? 'only when each pod is deleted by hand (OnDelete)'
        : 'one at a time, highest ordinal first (RollingUpdate)';
    case 'DaemonSet':
      return spec.updateStrategy?.type === 'OnDelete'
        ? 'only when each pod is deleted by hand (OnDelete)'
        : `rolling update, node by node (maxUnavailable ${spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1})`;
    default:
      return null;
  }
}

async function podsToRestart(deps: FixDeps, context: string | null, live: KubeObject): Promise<PodsToRestart> {
  const strategy = rolloutStrategy(live);
  const selector = selectorString(live.spec?.selector?.matchLabels, live.spec?.selector?.matchExpressions);
  if (!selector) return { count: null, names: [], strategy, error: 'the workload has no pod selector' };
  try {
    const reader = await deps.readers.get(context);
    const { items } = await reader.list('pods', {
      namespace: live.metadata?.namespace ?? null,
      labelSelector: selector,
      maxItems: 1000,
    });
    const pods = (items as Pod[]).filter((p) => !p.metadata?.deletionTimestamp);
    return { count: pods.length, names: pods.slice(0, 5).map((p) => p.metadata?.name ?? '?'), strategy, error: null };
  } catch (err) {
    return { count: null, names: [], strategy, error: (err as Error).message };
  }
}
