/**
 * GitOps-managed objects (interface.md §4 `approvals.gitops: auto`) are never patched directly: Argo CD or Flux
 * would revert the change, or fight over the field. Instead Causa hands the change over as a patch file, the
 * exact `kubectl patch`, and the edit to make in Git. Pure.
 */
import type { KubeObject } from '../domain/k8s.js';
import type { Fix } from '../domain/result.js';
import { kubectlPatchCommand } from '../render/fix.js';
import type { FixPlan } from './plan-fix.js';

export interface GitOpsOwner {
  tool: 'Argo CD' | 'Flux';
  /** The label or annotation that gave it away, e.g. `label argocd.argoproj.io/instance=payments`. */
  marker: string;
  /** What to change in Git: the Argo CD application, Flux Kustomization or HelmRelease. */
  source: string;
  /** Helm-rendered objects change through values, not manifests. */
  helm: boolean;
}

const ARGO_TRACKING_ID = 'argocd.argoproj.io/tracking-id';
const ARGO_INSTANCE = 'argocd.argoproj.io/instance';
const FLUX_KUSTOMIZE = 'kustomize.toolkit.fluxcd.io/name';
const FLUX_HELM = 'helm.toolkit.fluxcd.io/name';

/** The GitOps tool that manages `obj`, from its labels and annotations; null when none does. */
export function gitOpsOwner(obj: KubeObject): GitOpsOwner | null {
  const labels = obj.metadata?.labels ?? {};
  const annotations = obj.metadata?.annotations ?? {};
  const tracking = annotations[ARGO_TRACKING_ID];
  if (tracking) {
    // `<app>:<group>/<kind>:<namespace>/<name>`
    const app = tracking.split(':')[0] || tracking;
    return {
      tool: 'Argo CD',
      marker: `annotation ${ARGO_TRACKING_ID}=${tracking}`,
      source: `Argo CD application ${app}`,
      helm: false,
    };
  }
  const instance = labels[ARGO_INSTANCE];
  if (instance) {
    return {
      tool: 'Argo CD',
      marker: `label ${ARGO_INSTANCE}=${instance}`,
      source: `Argo CD application ${instance}`,
      helm: false,
    };
  }
  for (const [label, what, helm] of [
    [FLUX_KUSTOMIZE, 'Kustomization', false],
    [FLUX_HELM, 'HelmRelease', true],
  ] as const) {
    const name = labels[label];
    if (!name) continue;
    const ns = labels[label.replace(/\/name$/, '/namespace')];
    return {
      tool: 'Flux',
      marker: `label ${label}=${name}`,
      source: `Flux ${what} ${ns ? `${ns}/` : ''}${name}`,
      helm,
    };
  }
  return null;
}

export interface GitOpsHandoff {
  /** Why Causa did not apply it, one sentence. */
  why: string;
  kubectl: string;
  /** What to change in Git, in words (the diff goes with it). */
  gitChange: string;
  filename: string;
  /** The downloadable patch file: a YAML patch with the explanation and commands as comments. */
  file: string;
}

export function gitOpsHandoff(fix: Fix, context: string | null, owner: GitOpsOwner, plan: FixPlan): GitOpsHandoff {
  const why =
    owner.tool === 'Argo CD'
      ? `it is managed by ${owner.source} (${owner.marker}): a direct patch would leave the application OutOfSync and self-heal would revert it, so the change belongs in Git`
      : `it is managed by ${owner.source} (${owner.marker}): Flux re-applies Git on its next reconciliation and would revert a direct patch, so the change belongs in Git`;
  const gitChange = owner.helm
    ? `In the Git repository behind ${owner.source}, change the chart values that render ${plan.resource} so it comes out as in the diff, then let Flux reconcile.`
    : `In the Git repository behind ${owner.source}, edit the manifest of ${plan.resource} as in the diff below (or add the patch file as a kustomize patch), then let ${owner.tool} sync.`;
  const kubectl = kubectlPatchCommand(fix, context);
  const comment = (text: string) =>
    text
      .split('\n')
      .map((l) => (l === '' ? '#' : `# ${l}`))
      .join('\n');
  const file = [
    comment(`Causa fix for ${plan.resource}${context ? ` (cluster ${context})` : ''}: ${fix.summary}`),
    comment(`Not applied by Causa: ${why}.`),
    '#',
    comment(gitChange),
    '#',
    comment(`Emergency only (${owner.tool} will revert it unless syncing is paused):\n  ${kubectl}`),
    '#',
    comment(`Diff of the live object:\n${plan.diff || '(no change: the object already matches)'}`),
    '#',
    comment(`${fix.patchType} patch:`),
    plan.patchYaml,
    '',
  ].join('\n');
  const kind = fix.resource.kind.toLowerCase();
  return { why, kubectl, gitChange, filename: `${fix.resource.name}.${kind}.patch.yaml`, file };
}
