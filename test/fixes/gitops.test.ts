import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/domain/k8s.js';
import { gitOpsHandoff, gitOpsOwner } from '../../src/fixes/gitops.js';
import { planFix } from '../../src/fixes/plan-fix.js';
import { SEED_FIX, seedDeployment } from './fixtures.js';

const withMeta = (labels: Record<string, string>, annotations: Record<string, string> = {}): KubeObject => ({
  metadata: { name: 'x', labels, annotations },
});

test('Argo CD and Flux markers are recognised; plain objects are not GitOps-managed', () => {
  assert.equal(gitOpsOwner(seedDeployment()), null);
  assert.deepEqual(
    gitOpsOwner(
      withMeta({}, { 'argocd.argoproj.io/tracking-id': 'payments:apps/Deployment:production/payments-service' }),
    ),
    {
      tool: 'Argo CD',
      marker: 'annotation argocd.argoproj.io/tracking-id=payments:apps/Deployment:production/payments-service',
      source: 'Argo CD application payments',
      helm: false,
    },
  );
  assert.equal(gitOpsOwner(withMeta({ 'argocd.argoproj.io/instance': 'shop' }))?.source, 'Argo CD application shop');
  const flux = gitOpsOwner(
    withMeta({ 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' }),
  );
  assert.equal(flux?.tool, 'Flux');
  assert.equal(flux?.source, 'Flux Kustomization flux-system/apps');
  const helm = gitOpsOwner(withMeta({ 'helm.toolkit.fluxcd.io/name': 'payments' }));
  assert.equal(helm?.source, 'Flux HelmRelease payments');
  assert.equal(helm?.helm, true);
  assert.equal(gitOpsOwner(withMeta({ 'app.kubernetes.io/managed-by': 'Helm' })), null);
});

test('the hand-over: why, the exact kubectl patch, the Git change, and a patch file that says it all', () => {
  const owner = gitOpsOwner(withMeta({ 'argocd.argoproj.io/instance': 'payments' }))!;
  const plan = planFix(SEED_FIX, seedDeployment());
  const h = gitOpsHandoff(SEED_FIX, 'prod-eks-use1', owner, plan);
  assert.match(h.why, /managed by Argo CD application payments .*self-heal would revert it/);
  assert.equal(
    h.kubectl,
    `kubectl --context prod-eks-use1 -n production patch deployment/payments-service --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"payments","livenessProbe":{"timeoutSeconds":10,"initialDelaySeconds":15}}]}}}}'`,
  );
  assert.match(h.gitChange, /edit the manifest of apps\/v1 Deployment production\/payments-service/);
  assert.equal(h.filename, 'payments-service.deployment.patch.yaml');
  assert.match(h.file, /^# Causa fix for apps\/v1 Deployment production\/payments-service \(cluster prod-eks-use1\)/);
  assert.match(h.file, /^# Not applied by Causa: /m);
  assert.match(h.file, /^# {3}kubectl --context prod-eks-use1/m);
  assert.match(h.file, /^# \+\s+timeoutSeconds: 10$/m);
  assert.match(h.file, /\nspec:\n {2}template:\n/, 'the patch itself, uncommented');
  const helm = gitOpsHandoff(SEED_FIX, null, gitOpsOwner(withMeta({ 'helm.toolkit.fluxcd.io/name': 'p' }))!, plan);
  assert.match(helm.gitChange, /chart values/);
});
