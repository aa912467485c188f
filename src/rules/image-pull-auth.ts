/**
 * FM-07: ImagePullBackOff because the registry denied access (missing/expired imagePullSecrets,
 * node role without registry permission). "Not found" answers belong to image-not-found.
 */
import type { Derived } from '../analysis/derive.js';
import { excerpt, list, podRef, ref, signal, targetKubectl, workloadFix, workloadRef } from '../analysis/format.js';
import { clock } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence, Fix } from '../domain/result.js';
import { imageChange, pullFailures } from './image-not-found.js';
import type { Rule, RuleOutcome } from './rule.js';

function registry(image: string | null): string {
  if (!image) return '?';
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : 'docker.io';
}

export const imagePullAuth: Rule = {
  id: 'image-pull-auth',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const all = pullFailures(facts, d);
    const auth = all.filter((f) => f.cls === 'auth');
    const ambiguous = all.filter((f) => f.cls === 'ambiguous');
    const pullSecrets = facts.target.template?.spec?.imagePullSecrets ?? facts.pods[0]?.spec?.imagePullSecrets ?? [];
    const missingSecrets = pullSecrets.filter(
      (s) => facts.references.find((r) => r.kind === 'Secret' && r.name === s.name)?.exists === false,
    );
    const secretsOk = pullSecrets.length > 0 && missingSecrets.length === 0;
    const used = auth.length > 0 ? auth : !secretsOk ? ambiguous : [];
    if (used.length === 0) {
      const nf = all.find((f) => f.cls === 'not-found');
      return nf
        ? {
            kind: 'ruled-out',
            reason: `the registry answers "not found" for ${nf.image ?? 'the image'}: the tag or repository is missing, credentials are not the problem`,
          }
        : null;
    }
    const f0 = used[0]!;
    const ns = facts.target.namespace;
    const pods = [...new Set(used.map((f) => f.pod))];
    const reg = registry(f0.image);
    const signals: Evidence[] = [
      signal(
        'event',
        podRef(ns, f0.pod),
        f0.time,
        `Registry ${reg} refuses the pull on ${pods.length} pod(s) (×${used.reduce((n, f) => n + f.count, 0)}): ${excerpt(f0.message, /unauthorized|\b40[13]\b|forbidden|denied|authentication required|no basic auth|insufficient_scope|may require authorization/i, 200)}`,
      ),
    ];
    if (missingSecrets.length > 0) {
      signals.push(
        signal(
          'status',
          ref(ns, 'Secret', missingSecrets[0]!.name),
          null,
          `imagePullSecrets ${list(missingSecrets.map((s) => s.name))} referenced by the pods do not exist in ${ns}`,
        ),
      );
    } else if (pullSecrets.length === 0) {
      signals.push(
        signal('spec', workloadRef(facts), null, `The pod template sets no imagePullSecrets (registry ${reg})`),
      );
    }
    const change = imageChange(d, f0.image);
    const r = d.lastRollout;
    if (change && r && registry(change.previous) !== reg) {
      signals.push(
        signal(
          'rollout',
          ref(ns, r.revision.kind, r.revision.name),
          r.createdAt,
          `Revision ${r.revision.revision} (${clock(r.createdAt, facts.now)}) moved the image to registry ${reg}: ${change.text}`,
        ),
      );
    }
    // A pull secret that exists in the namespace (the steps report its keys, never its data).
    const available = facts.references.find(
      (r) =>
        r.kind === 'Secret' &&
        r.exists &&
        r.keys.some((k) => k === '.dockerconfigjson' || k === '.dockercfg') &&
        !pullSecrets.some((s) => s.name === r.name),
    );
    const secretName = missingSecrets[0]?.name ?? available?.name ?? pullSecrets[0]?.name ?? 'regcred';
    let fix: Fix | null = null;
    if (available && missingSecrets.length === 0) {
      signals.push(
        signal(
          'status',
          ref(ns, 'Secret', available.name),
          null,
          `Pull secret ${available.name} (type dockerconfigjson) exists in ${ns} but the pods do not reference it`,
        ),
      );
      fix = workloadFix(facts, `add imagePullSecrets ${available.name} to the pod template`, {
        spec: { template: { spec: { imagePullSecrets: [{ name: available.name }] } } },
      });
    }
    return {
      kind: 'match',
      summary: `Registry ${reg} denies pulling ${f0.image ?? 'the image'}: ${missingSecrets.length > 0 ? `pull secret ${secretName} is missing` : pullSecrets.length === 0 ? 'the pods have no imagePullSecrets' : `pull secret ${secretName} is not accepted (expired or wrong registry)`}`,
      signals,
      trigger: change && r ? `rollout to revision ${r.revision.revision} at ${clock(r.createdAt, facts.now)}` : null,
      fix,
      advice:
        `Create or refresh the pull secret (kubectl -n ${ns} create secret docker-registry ${secretName} --docker-server=${reg} --docker-username=… --docker-password=…) ` +
        `and reference it (kubectl -n ${ns} patch ${targetKubectl(facts)} -p '{"spec":{"template":{"spec":{"imagePullSecrets":[{"name":"${secretName}"}]}}}}'), ` +
        'or grant the node role read access to the registry. ECR tokens copied into Secrets expire after 12 h.',
      explains: ['bad-rollout', 'init-container-failed'],
    };
  },
};
