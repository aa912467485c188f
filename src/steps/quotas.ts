/** ResourceQuotas of the namespace, looked at when pods could not be created. */
import type { Step } from './step.js';

export const quotas: Step<'quotas'> = {
  id: 'quotas',
  title: 'Resource quotas',
  after: ['owner-events'],
  async run(ctx) {
    const { target, events, pods } = ctx.facts;
    const wanted = target.workload?.spec?.replicas;
    const failedCreate = events.some((e) => e.reason === 'FailedCreate' && /quota/i.test(e.message));
    if (!failedCreate && !(typeof wanted === 'number' && pods.length < wanted)) return { status: 'skipped' };
    const quotas = await ctx.tryList('resourcequotas', { namespace: target.namespace, maxItems: 50 });
    const notes = quotas.map((q) => {
      const hard: Record<string, string> = q.status?.hard ?? q.spec?.hard ?? {};
      const used: Record<string, string> = q.status?.used ?? {};
      return {
        time: null,
        text: `ResourceQuota ${q.metadata?.name}: ${Object.keys(hard)
          .map((k) => `${k} ${used[k] ?? '0'}/${hard[k]}`)
          .join(', ')}`,
        ref: `${target.namespace}/ResourceQuota/${q.metadata?.name}`,
      };
    });
    return { facts: { quotas }, notes };
  },
};
