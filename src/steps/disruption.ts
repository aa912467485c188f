/** PodDisruptionBudgets that cover the target's pods. */
import { labelsMatch } from './lib.js';
import type { Step } from './step.js';

export const disruption: Step<'disruption'> = {
  id: 'disruption',
  title: 'Disruption budgets',
  after: ['resolve-target'],
  async run(ctx) {
    const { target } = ctx.facts;
    const labels = target.template?.metadata?.labels;
    if (!labels || target.kind === 'Node') return { status: 'skipped' };
    const pdbs = (await ctx.tryList('poddisruptionbudgets', { namespace: target.namespace, maxItems: 200 })).filter(
      (p) => labelsMatch(p.spec?.selector?.matchLabels, labels),
    );
    const notes = pdbs.map((p) => ({
      time: null,
      text: `PDB ${p.metadata?.name}: ${p.status?.disruptionsAllowed ?? '?'} disruption(s) allowed (${p.spec?.minAvailable !== undefined ? `minAvailable ${p.spec.minAvailable}` : `maxUnavailable ${p.spec?.maxUnavailable}`})`,
      ref: `${target.namespace}/PodDisruptionBudget/${p.metadata?.name}`,
    }));
    return { facts: { pdbs }, notes };
  },
};
