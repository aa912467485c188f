/**
 * After a fix is applied: did it work? A bounded watch, through the read-only reader, of the rollout the
 * patch started (the controller observed the new generation, every replica updated and available) and of
 * the workload's pods (all ready, no container restarted for a quiet period). Never longer than `timeoutMs`.
 */
import type { KubeObject, Pod } from '../domain/k8s.js';
import type { ResourceRef } from '../domain/result.js';
import type { KubeReader, Resource } from '../kube/reader.js';
import { restarts, selectorString } from '../steps/lib.js';

export interface VerifyOptions {
  /** The whole watch (default 5 min). */
  timeoutMs: number;
  /** Between two polls (default 5 s). */
  intervalMs: number;
  /** How long the pods must stay ready with no restart once the rollout is done (default 60 s). */
  stableMs: number;
}

export const DEFAULT_VERIFY: VerifyOptions = { timeoutMs: 5 * 60_000, intervalMs: 5_000, stableMs: 60_000 };

export type VerifyOutcome =
  | { status: 'verified'; summary: string }
  | { status: 'not-verified'; reason: string }
  /** Nothing to watch (the fix does not roll pods, or the kind has no rollout). */
  | { status: 'skipped'; reason: string };

const ROLLOUT_RESOURCE: Record<string, Resource> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
};

const n = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Null when the rollout of `obj` (at least `generation`) is complete; otherwise what it is waiting for. */
export function rolloutPending(obj: KubeObject, generation: number): string | null {
  const st = obj.status ?? {};
  const observed = n(st.observedGeneration);
  if (observed < generation)
    return `the controller has not picked up the change yet (observedGeneration ${observed} < ${generation})`;
  const failed = (st.conditions ?? []).find(
    (c: { type?: string; reason?: string }) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  );
  if (failed) return `rollout failed: ${failed.message ?? 'progress deadline exceeded'}`;
  switch (obj.kind) {
    case 'DaemonSet': {
      const desired = n(st.desiredNumberScheduled);
      if (n(st.updatedNumberScheduled) < desired) return `${n(st.updatedNumberScheduled)} of ${desired} pods updated`;
      if (n(st.numberAvailable) < desired) return `${n(st.numberAvailable)} of ${desired} updated pods available`;
      return null;
    }
    case 'StatefulSet': {
      const want = typeof obj.spec?.replicas === 'number' ? obj.spec.replicas : 1;
      if (n(st.updatedReplicas) < want) return `${n(st.updatedReplicas)} of ${want} replicas updated`;
      if (n(st.readyReplicas) < want) return `${n(st.readyReplicas)} of ${want} replicas ready`;
      if (st.updateRevision && st.currentRevision !== st.updateRevision)
        return 'the update revision is not current yet';
      return null;
    }
    default: {
      const want = typeof obj.spec?.replicas === 'number' ? obj.spec.replicas : 1;
      if (n(st.updatedReplicas) < want) return `${n(st.updatedReplicas)} of ${want} replicas updated`;
      if (n(st.replicas) > n(st.updatedReplicas))
        return `${n(st.replicas) - n(st.updatedReplicas)} old replicas still running`;
      if (n(st.availableReplicas) < want) return `${n(st.availableReplicas)} of ${want} updated replicas available`;
      return null;
    }
  }
}

/** What keeps a pod from counting as healthy, or null. */
function podProblem(p: Pod): string | null {
  const name = p.metadata?.name ?? 'pod';
  for (const c of p.status?.containerStatuses ?? []) {
    const waiting = c.state?.waiting?.reason;
    if (waiting) return `${name}: container ${c.name} is ${waiting}`;
    if (!c.ready) return `${name}: container ${c.name} is not ready`;
  }
  if ((p.status?.containerStatuses ?? []).length === 0) return `${name} is ${p.status?.phase ?? 'not running yet'}`;
  return null;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface VerifyDeps {
  /** Aborting ends the watch early (not verified). */
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
  /** Monotonic-enough clock in ms (tests pass a fake one). */
  clock?: () => number;
}

/**
 * Watches the rollout of `ref` started by the object the patch returned (`applied`, whose
 * `metadata.generation` the controller must observe). Errors while polling are retried until the deadline.
 */
export async function verifyRollout(
  reader: KubeReader,
  ref: ResourceRef,
  applied: KubeObject,
  opts: VerifyOptions,
  deps: VerifyDeps = {},
): Promise<VerifyOutcome> {
  const resource = ROLLOUT_RESOURCE[ref.kind];
  if (!resource) return { status: 'skipped', reason: `a ${ref.kind} has no rollout to watch` };
  const sleep = deps.sleep ?? ((ms: number) => abortableSleep(ms, deps.signal));
  const clock = deps.clock ?? Date.now;
  const generation = n(applied.metadata?.generation);
  const deadline = clock() + opts.timeoutMs;
  let reason = 'the rollout was never observed';
  let quietSince: number | null = null;
  let baseline = new Map<string, number>();

  for (;;) {
    if (deps.signal?.aborted)
      return { status: 'not-verified', reason: 'Causa stopped before the rollout was verified' };
    try {
      const obj = await reader.get(resource, ref.name, ref.namespace);
      if (!obj) return { status: 'not-verified', reason: `${ref.kind} ${ref.namespace}/${ref.name} no longer exists` };
      const pending = rolloutPending({ ...obj, kind: ref.kind }, generation);
      if (pending?.startsWith('rollout failed')) return { status: 'not-verified', reason: pending };
      if (pending) {
        reason = `rollout not finished: ${pending}`;
        quietSince = null;
      } else {
        const selector = selectorString(obj.spec?.selector?.matchLabels, obj.spec?.selector?.matchExpressions);
        const { items } = await reader.list('pods', { namespace: ref.namespace, labelSelector: selector });
        const pods = (items as Pod[]).filter((p) => !p.metadata?.deletionTimestamp);
        const counts = new Map(pods.map((p) => [p.metadata?.uid ?? p.metadata?.name ?? '', restarts(p)]));
        const restarted = pods.find((p) => {
          const key = p.metadata?.uid ?? p.metadata?.name ?? '';
          return baseline.has(key) && (counts.get(key) ?? 0) > (baseline.get(key) ?? 0);
        });
        const problem = restarted
          ? `${restarted.metadata?.name} restarted again after the rollout`
          : (pods.map(podProblem).find((x) => x !== null) ?? null);
        baseline = counts;
        if (problem) {
          reason = `pods not healthy after the rollout: ${problem}`;
          quietSince = null;
        } else {
          quietSince ??= clock();
          if (clock() - quietSince >= opts.stableMs) {
            const secs = Math.round(opts.stableMs / 1000);
            return {
              status: 'verified',
              summary: `rollout finished (${pods.length} pod${pods.length === 1 ? '' : 's'} ready) and no container restarted for ${secs} s`,
            };
          }
          reason = 'pods became ready but were not watched for long enough';
        }
      }
    } catch (err) {
      reason = `could not read the rollout: ${(err as Error).message}`;
    }
    if (clock() + opts.intervalMs > deadline) {
      return { status: 'not-verified', reason: `${reason} (watched for ${Math.round(opts.timeoutMs / 1000)} s)` };
    }
    await sleep(opts.intervalMs);
  }
}
