/** Cluster-level Warning events in kube-system (CoreDNS, CNI, autoscaler...) within the window. */
import type { KubeEvent } from '../domain/k8s.js';
import { normalizeEvent } from '../engine/normalize.js';
import { summarizeEvents } from './lib.js';
import type { Step } from './step.js';

export const clusterWarnings: Step<'cluster-warnings'> = {
  id: 'cluster-warnings',
  title: 'Cluster warnings',
  after: ['resolve-target'],
  async run(ctx) {
    const items = await ctx.tryList('events', {
      namespace: 'kube-system',
      fieldSelector: 'type=Warning',
      maxItems: 300,
    });
    const events = items
      .map((e) => normalizeEvent(e as KubeEvent))
      .filter((e) => Date.parse(e.last) >= ctx.since.getTime());
    return { facts: { events }, notes: summarizeEvents(events, 4) };
  },
};
