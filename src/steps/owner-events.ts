/** Events of the workload and its ReplicaSets (rollouts, FailedCreate, Job backoff...). */
import type { Ev } from '../domain/facts.js';
import { eventsFor, summarizeEvents } from './lib.js';
import type { Step } from './step.js';

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
    const events: Ev[] = (await Promise.all(unique.map((o) => eventsFor(ctx, o.kind, o.name, o.ns)))).flat();

    const notes = summarizeEvents(events.filter((e) => Date.parse(e.last) >= ctx.since.getTime()));
    const current = revisions.find((r) => r.current);
    if (current?.createdAt)
      notes.push({
        time: current.createdAt,
        text: `Revision ${current.revision} rolled out (${current.images.join(', ')})${current.changeCause ? `: ${current.changeCause}` : ''}`,
        ref: `${ns}/ReplicaSet/${current.name}`,
      });
    return { facts: { events }, notes };
  },
};
