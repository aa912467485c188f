/** Events of the target's pods, live and deleted (pods that now exist only in events). */
import type { Ev, Facts } from '../domain/facts.js';
import type { KubeEvent } from '../domain/k8s.js';
import { normalizeEvent } from '../engine/normalize.js';
import { eventsFor, isTargetPodName, podIsTroubled, podNamePrefixes, restarts, summarizeEvents } from './lib.js';
import type { Step } from './step.js';

const MAX_LIVE = 8;
const MAX_DELETED = 4;

export const podEvents: Step<'pod-events'> = {
  id: 'pod-events',
  title: 'Pod events',
  after: ['resolve-target'],
  async run(ctx) {
    const { target, pods } = ctx.facts;
    const ns = target.namespace;
    const live = new Set(pods.map((p) => p.metadata?.name ?? ''));
    const prefixes = podNamePrefixes(ctx.facts);
    const nodeTarget = target.kind === 'Node';

    // Warnings in the namespace name deleted pods too; one bounded call.
    // Warnings in the namespace name deleted pods too (one bounded call); so do the Normal-typed
    // events that end a pod's life (Preempted, TaintManagerEviction), asked for by reason.
    const lists = nodeTarget
      ? []
      : await Promise.all(
          ['type=Warning', 'reason=Preempted', 'reason=TaintManagerEviction'].map((fieldSelector) =>
            ctx.tryList('events', {
              namespace: ns,
              fieldSelector,
              maxItems: fieldSelector.startsWith('type') ? 1000 : 200,
            }),
          ),
        );
    const warnings = lists
      .flat()
      .map((e) => normalizeEvent(e as KubeEvent))
      .filter((e) => e.kind === 'Pod' && (live.has(e.object) || isTargetPodName(e.object, prefixes)));

    const ranked = [...pods].sort(
      (a, b) => Number(podIsTroubled(b)) - Number(podIsTroubled(a)) || restarts(b) - restarts(a),
    );
    const livePicks = ranked.slice(0, MAX_LIVE);
    const deletedNames = [...new Set(warnings.filter((e) => !live.has(e.object)).map((e) => e.object))];
    const deletedPicks = deletedNames
      .map((n) => ({
        n,
        last:
          warnings
            .filter((e) => e.object === n)
            .map((e) => e.last)
            .sort()
            .at(-1) ?? '',
      }))
      .sort((a, b) => b.last.localeCompare(a.last))
      .slice(0, MAX_DELETED)
      .map((x) => x.n);

    const perPod = await Promise.all([
      ...livePicks.map((p) => eventsFor(ctx, 'Pod', p.metadata?.name ?? '', p.metadata?.namespace ?? ns)),
      ...deletedPicks.map((n) => eventsFor(ctx, 'Pod', n, ns)),
    ]);
    const events: Ev[] = [...warnings, ...perPod.flat()];

    const deletedPods: Facts['deletedPods'] = deletedNames.map((name) => {
      const mine = events.filter((e) => e.object === name);
      const scheduled = mine.find((e) => e.reason === 'Scheduled');
      const node = (scheduled && /\bto (\S+)$/.exec(scheduled.message)?.[1]) || mine.find((e) => e.host)?.host || null;
      const lastSeen = mine.reduce<string | null>((m, e) => (m === null || e.last > m ? e.last : m), null);
      return { name, namespace: ns, node, lastSeen };
    });

    const recent = events.filter((e) => Date.parse(e.last) >= ctx.since.getTime());
    const notes = summarizeEvents(recent.filter((e) => e.type === 'Warning' || e.reason === 'Killing'));
    if (deletedPods.length > 0)
      notes.push({
        time: null,
        text: `${deletedPods.length} pod(s) exist only in events now: ${deletedPods.map((d) => d.name).join(', ')}`,
        ref: `${ns}/Pod/${deletedPods[0]!.name}`,
      });
    return { facts: { events, deletedPods }, notes };
  },
};
