/** Services that select the target's pods (or the target Service) and their endpoints. */
import type { ServiceFacts } from '../domain/facts.js';
import type { KubeObject, Pod } from '../domain/k8s.js';
import { labelsMatch, selectorString } from './lib.js';
import type { Step, StepContext } from './step.js';

async function serviceFacts(
  ctx: StepContext,
  svc: KubeObject,
  labels: Record<string, string> | undefined,
): Promise<ServiceFacts> {
  const ns = svc.metadata?.namespace ?? ctx.facts.target.namespace;
  const ep = await ctx.tryGet('endpoints', svc.metadata?.name ?? '', ns);
  const subsets: { addresses?: unknown[]; notReadyAddresses?: unknown[] }[] = ep?.subsets ?? [];
  return {
    name: svc.metadata?.name ?? '',
    namespace: ns,
    selector: svc.spec?.selector ?? {},
    ports: svc.spec?.ports ?? [],
    matchesTemplate: labelsMatch(svc.spec?.selector, labels),
    endpoints: {
      exists: !!ep,
      ready: subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0),
      notReady: subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0),
    },
  };
}

export const services: Step<'services'> = {
  id: 'services',
  title: 'Services and endpoints',
  after: ['resolve-target'],
  async run(ctx) {
    const { target } = ctx.facts;
    const ns = target.namespace;
    if (target.kind === 'Node') return { status: 'skipped' };
    if (target.kind === 'Service') {
      const svc = target.object!;
      const selector: Record<string, string> = svc.spec?.selector ?? {};
      const facts = await serviceFacts(ctx, svc, undefined);
      // No pod matches: find the pods that almost match (all labels but one) to show the mismatch.
      let near: Pod[] = [];
      if (ctx.facts.pods.length === 0 && Object.keys(selector).length > 0) {
        const keys = Object.keys(selector);
        const tries =
          keys.length === 1
            ? []
            : keys.slice(0, 3).map((k) => Object.fromEntries(Object.entries(selector).filter(([x]) => x !== k)));
        const found = await Promise.all(
          tries.map((sel) => ctx.tryList('pods', { namespace: ns, labelSelector: selectorString(sel), maxItems: 20 })),
        );
        near = found.flat() as Pod[];
      }
      return {
        facts: { services: [facts], pods: near },
        notes: [
          {
            time: null,
            text: `Service ${facts.name} selects ${selectorString(selector) || '(nothing)'}: ${facts.endpoints.ready} ready / ${facts.endpoints.notReady} not-ready endpoint(s)${near.length > 0 ? `; ${near.length} pod(s) nearly match` : ''}`,
            ref: `${ns}/Service/${facts.name}`,
          },
        ],
      };
    }
    const labels = target.template?.metadata?.labels;
    if (!labels) return { status: 'skipped' };
    const all = await ctx.tryList('services', { namespace: ns, maxItems: 300 });
    const matching = all.filter((s) => labelsMatch(s.spec?.selector, labels)).slice(0, 3);
    const facts = await Promise.all(matching.map((s) => serviceFacts(ctx, s, labels)));
    const notes = facts.map((f) => ({
      time: null,
      text: `Service ${f.name}: ${f.endpoints.ready} ready / ${f.endpoints.notReady} not-ready endpoint(s)`,
      ref: `${ns}/Service/${f.name}`,
    }));
    return { facts: { services: facts }, notes };
  },
};
