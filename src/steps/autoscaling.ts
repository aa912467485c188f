/** HorizontalPodAutoscalers that scale the workload, with their events. */
import { eventsFor } from './lib.js';
import type { Step } from './step.js';

export const autoscaling: Step<'autoscaling'> = {
  id: 'autoscaling',
  title: 'Autoscaling',
  after: ['resolve-target'],
  async run(ctx) {
    const { target } = ctx.facts;
    const wl = target.workload;
    if (!wl || target.kind === 'Node') return { status: 'skipped' };
    const hpas = (await ctx.tryList('horizontalpodautoscalers', { namespace: target.namespace, maxItems: 200 })).filter(
      (h) => h.spec?.scaleTargetRef?.name === wl.metadata?.name && h.spec?.scaleTargetRef?.kind === wl.kind,
    );
    const events = (
      await Promise.all(
        hpas
          .slice(0, 2)
          .map((h) => eventsFor(ctx, 'HorizontalPodAutoscaler', h.metadata?.name ?? '', target.namespace)),
      )
    ).flat();
    const notes = hpas.map((h) => ({
      time: null,
      text: `HPA ${h.metadata?.name}: ${h.status?.currentReplicas ?? '?'} replicas (min ${h.spec?.minReplicas ?? 1}, max ${h.spec?.maxReplicas})${(
        h.status?.conditions ?? []
      )
        .filter((c: { status: string; type: string }) =>
          c.type === 'ScalingLimited' ? c.status === 'True' : c.status === 'False',
        )
        .map((c: { type: string; reason: string }) => `; ${c.type} ${c.reason}`)
        .join('')}`,
      ref: `${target.namespace}/HorizontalPodAutoscaler/${h.metadata?.name}`,
    }));
    return { facts: { hpas, events }, notes };
  },
};
