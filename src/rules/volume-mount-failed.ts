/**
 * FM-05: FailedMount — a ConfigMap/Secret (or projected) volume source is missing; the pod stays
 * ContainerCreating. PVC/CSI attach problems are other causes (volume-unbound, multi-attach).
 */
import type { Derived } from '../analysis/derive.js';
import { list, podRef, quote, ref, signal, workloadRef } from '../analysis/format.js';
import { stripCombined } from '../analysis/probes.js';
import { ms } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

interface MountFailure {
  volume: string | null;
  kind: 'ConfigMap' | 'Secret' | null;
  name: string | null;
  key: string | null;
}

function parse(message: string): MountFailure | null {
  const m = stripCombined(message);
  const vol = /for volume "([^"]+)"/.exec(m)?.[1] ?? null;
  const obj = /\b(configmap|secret)s? "([^"]+)" not found/i.exec(m);
  if (obj)
    return { volume: vol, kind: obj[1]!.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap', name: obj[2]!, key: null };
  const key = /(configmap|secret) references non-existent (?:config |secret )?key:?\s*(\S+)/i.exec(m);
  if (key)
    return { volume: vol, kind: key[1]!.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap', name: null, key: key[2]! };
  if (/not registered|kube-root-ca\.crt|serviceaccount/i.test(m))
    return { volume: vol, kind: null, name: null, key: null };
  return null;
}

export const volumeMountFailed: Rule = {
  id: 'volume-mount-failed',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const events = d.events.filter((e) => e.reason === 'FailedMount' && (ms(e.last) ?? 0) >= d.since);
    const parsed = events.map((e) => ({ e, p: parse(e.message) })).filter((x) => x.p !== null);
    if (parsed.length === 0) return null;
    const first = parsed.find((x) => x.p?.name) ?? parsed[0]!;
    const p = first.p!;
    const ns = facts.target.namespace;
    const pods = [...new Set(parsed.map((x) => x.e.object))].sort();
    const creating = d.containers.filter((c) => c.waitingReason === 'ContainerCreating' && pods.includes(c.pod));
    const count = events.reduce((n, e) => n + e.count, 0);
    const signals: Evidence[] = [
      signal(
        'event',
        podRef(ns, first.e.object),
        first.e.first ?? first.e.last,
        `FailedMount on ${pods.length} pod(s) (×${count}): ${quote(stripCombined(first.e.message), 150)}` +
          `${creating.length > 0 ? '; pods stuck ContainerCreating' : ''}`,
      ),
    ];
    const vols = facts.target.template?.spec?.volumes ?? facts.pods[0]?.spec?.volumes ?? [];
    const vol =
      vols.find((v) => v.name === p.volume) ??
      vols.find((v) => v.configMap?.name === p.name || v.secret?.secretName === p.name);
    const source = vol?.configMap
      ? `ConfigMap ${vol.configMap.name}`
      : vol?.secret
        ? `Secret ${vol.secret.secretName}`
        : null;
    if (vol && source) {
      const optional = vol.configMap?.optional ?? vol.secret?.optional;
      signals.push(
        signal(
          'spec',
          workloadRef(facts),
          null,
          `Volume ${vol.name} mounts ${source}${optional ? ' (optional)' : ' (not optional)'}`,
        ),
      );
    }
    const objName = p.name ?? vol?.configMap?.name ?? vol?.secret?.secretName ?? null;
    const objKind = p.kind ?? (vol?.configMap ? 'ConfigMap' : vol?.secret ? 'Secret' : null);
    const r = objName && objKind ? facts.references.find((x) => x.kind === objKind && x.name === objName) : undefined;
    if (r && !r.exists) {
      signals.push(
        signal('status', ref(ns, r.kind, r.name), null, `${r.kind} ${r.name} does not exist in namespace ${ns}`),
      );
    } else if (r && p.key && !r.keys.includes(p.key)) {
      signals.push(
        signal(
          'status',
          ref(ns, r.kind, r.name),
          null,
          `${r.kind} ${r.name} has no key ${p.key} (keys: ${list(r.keys, 5)})`,
        ),
      );
    }
    const what = objName && objKind ? `${objKind} ${objName}` : 'its source';
    const create =
      objKind === 'Secret'
        ? `kubectl -n ${ns} create secret generic ${objName} --from-file=…`
        : objKind === 'ConfigMap'
          ? `kubectl -n ${ns} create configmap ${objName} --from-file=…`
          : 'create the missing object';
    return {
      kind: 'match',
      summary: `Pods of ${facts.target.workload?.metadata?.name ?? facts.target.name} cannot start: volume ${p.volume ?? vol?.name ?? '?'} needs ${what}${p.key ? ` key ${p.key}` : ''}, which is missing`,
      signals,
      trigger: null,
      fix: null,
      advice: `Create ${what} in ${ns} (${create}) or fix the volume's reference; mark it optional only if the app tolerates an empty mount. The pods start on the next kubelet sync.`,
      explains: ['bad-rollout'],
    };
  },
};
