/**
 * Events of the workload and its ReplicaSets (rollouts, FailedCreate, Job backoff...). For a CronJob
 * (the target, or the one a Job/Pod target belongs to), also its recent runs: the Jobs it owns
 * (newest few, with their Failed/Complete conditions) and their Warning events (DeadlineExceeded,
 * BackoffLimitExceeded), in two bounded calls.
 */
import type { Ev } from '../domain/facts.js';
import type { KubeEvent, KubeObject } from '../domain/k8s.js';
import { normalizeEvent } from '../engine/normalize.js';
import { eventsFor, objName, selectorString, summarizeEvents } from './lib.js';
import type { Step, StepContext } from './step.js';

/** Newest Jobs of a CronJob kept (its running ones always). */
const MAX_JOBS = 5;

function created(o: KubeObject): number {
  return Date.parse(o.status?.startTime ?? o.metadata?.creationTimestamp ?? '') || 0;
}

/**
 * The Jobs a CronJob owns, newest first (at most MAX_JOBS plus any running one it lists in
 * status.active), and the Warning events of its Jobs, kept or already deleted.
 */
export async function cronJobRuns(
  ctx: StepContext,
  name: string,
  ns: string,
  cron: KubeObject | null,
): Promise<{ jobs: KubeObject[]; events: Ev[] }> {
  const uid = cron?.metadata?.uid;
  // Jobs carry the jobTemplate's labels: a server-side filter when it has some.
  const labelSelector = selectorString(cron?.spec?.jobTemplate?.metadata?.labels) || undefined;
  const [listed, warnings] = await Promise.all([
    ctx.tryList('jobs', { namespace: ns, ...(labelSelector ? { labelSelector } : {}), maxItems: 300 }),
    ctx.tryList('events', { namespace: ns, fieldSelector: 'involvedObject.kind=Job,type=Warning', maxItems: 300 }),
  ]);
  const active = new Set<string>(
    ((cron?.status?.active ?? []) as { name?: string }[]).map((r) => r.name ?? '').filter(Boolean),
  );
  const owned = listed
    .filter((j) =>
      (j.metadata?.ownerReferences ?? []).some(
        (r) => r.kind === 'CronJob' && r.name === name && (!uid || !r.uid || r.uid === uid),
      ),
    )
    .sort((a, b) => created(b) - created(a));
  const jobs = owned
    .filter((j, i) => i < MAX_JOBS || active.has(objName(j)))
    .map((j) => ({ ...j, apiVersion: 'batch/v1', kind: 'Job' }));
  // Runs the history limit already deleted still have events: `<cronjob>-<scheduled minute>`.
  const names = new Set(owned.map(objName));
  const run = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`);
  const events = warnings
    .map((e) => normalizeEvent(e as KubeEvent))
    .filter((e) => e.kind === 'Job' && (names.has(e.object) || run.test(e.object)));
  return { jobs, events };
}

export const ownerEvents: Step<'owner-events'> = {
  id: 'owner-events',
  title: 'Workload and rollout events',
  after: ['resolve-target'],
  async run(ctx) {
    const { target, revisions } = ctx.facts;
    const ns = target.namespace;
    const objects: { kind: string; name: string; ns: string | null }[] = [];
    if (target.kind === 'Node') objects.push({ kind: 'Node', name: target.name, ns: null });
    else if (target.kind === 'Service') objects.push({ kind: 'Service', name: target.name, ns });
    for (const o of target.ownerChain.slice(target.kind === 'Pod' ? 1 : 0))
      if (o.kind !== 'Pod' && o.kind !== 'Node' && o.kind !== 'Service')
        objects.push({ kind: o.kind, name: o.name, ns });
    for (const r of revisions.filter((r) => r.kind === 'ReplicaSet').slice(0, 3))
      objects.push({ kind: 'ReplicaSet', name: r.name, ns });
    const seen = new Set<string>();
    const unique = objects.filter((o) => !seen.has(`${o.kind}/${o.name}`) && seen.add(`${o.kind}/${o.name}`));

    const cronRef = target.ownerChain.find((o) => o.kind === 'CronJob');
    const cronObj =
      cronRef && target.workload?.metadata?.name === cronRef.name
        ? target.workload
        : target.kind === 'CronJob'
          ? target.object
          : null;
    const [perObject, runs] = await Promise.all([
      Promise.all(unique.map((o) => eventsFor(ctx, o.kind, o.name, o.ns))),
      cronRef ? cronJobRuns(ctx, cronRef.name, ns, cronObj) : null,
    ]);
    const events: Ev[] = [...perObject.flat(), ...(runs?.events ?? [])];

    const notes = summarizeEvents(events.filter((e) => Date.parse(e.last) >= ctx.since.getTime()));
    const current = revisions.find((r) => r.current);
    if (current?.createdAt)
      notes.push({
        time: current.createdAt,
        text: `Revision ${current.revision} rolled out (${current.images.join(', ')})${current.changeCause ? `: ${current.changeCause}` : ''}`,
        ref: `${ns}/ReplicaSet/${current.name}`,
      });
    if (runs && runs.jobs.length > 0 && cronRef) {
      const state = (j: KubeObject) => {
        const c = ((j.status?.conditions ?? []) as { type: string; status: string; reason?: string }[]).find(
          (x) => (x.type === 'Failed' || x.type === 'Complete') && x.status === 'True',
        );
        return c ? (c.type === 'Failed' ? `failed (${c.reason ?? 'Failed'})` : 'complete') : 'running';
      };
      notes.push({
        time: null,
        text: `Recent runs of CronJob ${cronRef.name}: ${runs.jobs.map((j) => `${objName(j)} ${state(j)}`).join(', ')}`,
        ref: `${ns}/CronJob/${cronRef.name}`,
      });
    }
    return { facts: { events, ...(runs ? { jobs: runs.jobs } : {}) }, notes };
  },
};
