/**
 * Evidence fingerprints: what an investigation says happened, reduced to the parts that let two
 * incidents about different workloads be recognised as one (a node loss that broke several
 * services pages once per service). Pure.
 *
 *   workload  the investigated object (`kind/namespace/name`)
 *   cause     the root-cause id
 *   trigger   the objects outside the workload that the root-cause evidence cites (nodes, the
 *             dependency's pods, volumes...) as `namespace/Kind/name`
 */
import type { CauseId } from '../domain/causes.js';
import type { InvestigationResult } from '../domain/result.js';

export interface EvidenceFingerprint {
  workload: string;
  cause: CauseId;
  trigger: string[];
}

/** Verdicts that say nothing about a shared cause: never a reason to merge incidents. */
const UNGROUPABLE: ReadonlySet<CauseId> = new Set(['unknown', 'no-issue-found']);

/** Object kinds a workload owns (its own pods, ReplicaSets and revisions are not a trigger). */
const OWNED_KINDS = new Set(['Pod', 'ReplicaSet', 'ControllerRevision', 'Job']);

function parseRef(ref: string): { namespace: string; kind: string; name: string } | null {
  const parts = ref.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) return null;
  const [namespace, kind, name] = parts as [string, string, string];
  return { namespace, kind, name };
}

function ownedBy(ref: { namespace: string; kind: string; name: string }, target: InvestigationResult['target']) {
  if (ref.kind === target.kind && ref.name === target.name) return true;
  if (ref.namespace !== target.namespace) return false;
  return OWNED_KINDS.has(ref.kind) && (ref.name === target.name || ref.name.startsWith(`${target.name}-`));
}

/**
 * The fingerprint of a concluded investigation, or null when it cannot be grouped with anything:
 * no failure cause, low confidence (a guess must not pull other incidents into its thread), or no
 * evidence outside the workload itself.
 */
export function evidenceFingerprint(result: InvestigationResult): EvidenceFingerprint | null {
  const rc = result.rootCause;
  if (UNGROUPABLE.has(rc.id) || rc.confidence === 'low') return null;
  const trigger = new Set<string>();
  for (const e of rc.evidence) {
    const ref = parseRef(e.ref);
    if (!ref || ownedBy(ref, result.target)) continue;
    if (ref.kind === 'Deployment' || ref.kind === 'StatefulSet' || ref.kind === 'DaemonSet') {
      // Another workload's spec is context, not a trigger; its pods are.
      continue;
    }
    trigger.add(`${ref.namespace}/${ref.kind}/${ref.name}`);
  }
  if (trigger.size === 0) return null;
  const t = result.target;
  return { workload: `${t.kind}/${t.namespace}/${t.name}`, cause: rc.id, trigger: [...trigger].sort() };
}

/**
 * Why two incidents are one, or null. They must be about different workloads and share a trigger
 * object; with the same cause any shared object is enough, with different causes only a shared
 * node (one node loss shows up as a probe timeout in one service and a NotReady eviction in another).
 */
export function sharedTrigger(a: EvidenceFingerprint, b: EvidenceFingerprint): string | null {
  if (a.workload === b.workload) return null;
  const shared = a.trigger.filter((t) => b.trigger.includes(t));
  if (shared.length === 0) return null;
  const nodes = shared.filter((t) => t.split('/')[1] === 'Node');
  const describe = (refs: string[]) =>
    refs
      .map((r) => {
        const [, kind, name] = r.split('/');
        return `${kind === 'Node' ? 'node' : (kind ?? '').toLowerCase()} ${name}`;
      })
      .join(', ');
  if (a.cause === b.cause) return `same cause (${a.cause}) and trigger: ${describe(shared)}`;
  if (nodes.length > 0) return `same trigger: ${describe(nodes)}`;
  return null;
}
