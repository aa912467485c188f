/**
 * FM-04: CreateContainerConfigError — env/envFrom references a Secret/ConfigMap (or key) that does
 * not exist. Evidence: kubelet (status/event), the spec reference, and the missing object/key.
 */
import { templateContainer } from '../analysis/containers.js';
import { changeOf, changeSignal, type Derived, recentChange } from '../analysis/derive.js';
import { list, podRef, quote, ref, signal, workloadRef } from '../analysis/format.js';
import { stripCombined } from '../analysis/probes.js';
import type { Facts } from '../domain/facts.js';
import type { Container } from '../domain/k8s.js';
import type { Evidence } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

interface Missing {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  key: string | null;
}

export function parseMissing(message: string): Missing | null {
  const m = stripCombined(message).replace(/^Error:\s*/, '');
  const k = /couldn't find key (\S+) in (Secret|ConfigMap) (?:[^/\s]+\/)?(\S+)/i.exec(m);
  if (k) return { kind: k[2]!.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap', name: k[3]!, key: k[1]! };
  const o = /\b(secret|configmap)s? "([^"]+)" not found/i.exec(m);
  if (o) return { kind: o[1]!.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap', name: o[2]!, key: null };
  return null;
}

/** Where the container spec references the object (`env DB_PASSWORD`, `envFrom`). */
function usage(c: Container | null, m: Missing): string | null {
  if (!c) return null;
  for (const e of c.env ?? []) {
    const r = m.kind === 'Secret' ? e.valueFrom?.secretKeyRef : e.valueFrom?.configMapKeyRef;
    if (r?.name === m.name && (m.key === null || r.key === m.key))
      return `env ${e.name} ← ${m.kind} ${m.name} key ${r.key}`;
  }
  for (const f of c.envFrom ?? []) {
    const r = m.kind === 'Secret' ? f.secretRef : f.configMapRef;
    if (r?.name === m.name) return `envFrom ${m.kind} ${m.name}`;
  }
  return null;
}

export const missingConfigReference: Rule = {
  id: 'missing-config-reference',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const waiting = d.containers.filter((c) => c.waitingReason === 'CreateContainerConfigError');
    const events = d.events.filter(
      (e) => e.reason === 'Failed' && parseMissing(e.message) !== null && e.last >= facts.since,
    );
    if (waiting.length === 0 && events.length === 0) return null;
    const missing =
      parseMissing(events[0]?.message ?? '') ??
      parseMissing(waiting.find((w) => w.waitingMessage)?.waitingMessage ?? '');
    const pods = [...new Set([...waiting.map((c) => c.pod), ...events.map((e) => e.object)])].sort();
    const names = [
      ...new Set([...waiting.map((c) => c.name), ...events.map((e) => e.container ?? '').filter(Boolean)]),
    ];
    const ns = facts.target.namespace;
    const msg = events[0]
      ? stripCombined(events[0].message)
      : `Error: ${waiting[0]?.waitingMessage ?? 'CreateContainerConfigError'}`;
    const signals: Evidence[] = [
      signal(
        events[0] ? 'event' : 'status',
        podRef(ns, pods[0] ?? ''),
        events[0]?.first ?? events[0]?.last ?? null,
        `${pods.length} pod(s) stuck in CreateContainerConfigError (container ${list(names)}): ${quote(msg, 140)}${events.length > 0 ? ` (×${events.reduce((n, e) => n + e.count, 0)})` : ''}`,
      ),
    ];
    if (!missing) {
      return {
        kind: 'match',
        summary: `Container ${list(names)} cannot be created: ${quote(msg, 120)}`,
        signals,
        trigger: null,
        fix: null,
        advice: `kubectl -n ${ns} describe pod ${pods[0] ?? ''} and fix the env/envFrom reference it names.`,
        explains: ['bad-rollout', 'init-container-failed'],
      };
    }
    const containerName = names[0] ?? '';
    const spec =
      templateContainer(facts, containerName) ??
      templateContainer(facts, containerName, true) ??
      waiting[0]?.spec ??
      null;
    const use = usage(spec, missing);
    if (use) signals.push(signal('spec', workloadRef(facts), null, `Container ${containerName} references it: ${use}`));
    const r = facts.references.find((x) => x.kind === missing.kind && x.name === missing.name);
    const what = missing.key
      ? `key ${missing.key} in ${missing.kind} ${missing.name}`
      : `${missing.kind} ${missing.name}`;
    if (r && !r.exists) {
      signals.push(
        signal(
          'status',
          ref(ns, missing.kind, missing.name),
          null,
          `${missing.kind} ${missing.name} does not exist in namespace ${ns}`,
        ),
      );
    } else if (r && missing.key && !r.keys.includes(missing.key)) {
      signals.push(
        signal(
          'status',
          ref(ns, missing.kind, missing.name),
          null,
          `${missing.kind} ${missing.name} exists but has no key ${missing.key}${r.keys.length > 0 ? ` (keys: ${list(r.keys, 5)})` : ''}`,
        ),
      );
    }
    const change = recentChange(d, changeOf(containerName, ['env', 'envFrom']));
    if (change) signals.push(changeSignal(facts, change));
    const create =
      missing.key && r?.exists
        ? `add key ${missing.key} to ${missing.kind} ${missing.name} (kubectl -n ${ns} edit ${missing.kind.toLowerCase()} ${missing.name})`
        : missing.kind === 'Secret'
          ? `create it: kubectl -n ${ns} create secret generic ${missing.name} --from-literal=${missing.key ?? '<KEY>'}=<value>`
          : `create it: kubectl -n ${ns} create configmap ${missing.name} --from-literal=${missing.key ?? '<KEY>'}=<value>`;
    return {
      kind: 'match',
      summary:
        missing.key && r?.exists
          ? `Container ${list(names)} cannot start: it references key ${missing.key} of ${missing.kind} ${missing.name}, which exists in ${ns} but has no such key`
          : `Container ${list(names)} cannot start: it references ${what}, which does not exist in ${ns}`,
      signals,
      trigger: change?.text ?? null,
      fix: null,
      advice: `Either ${create}, or fix the reference in the pod template. Mark it optional: true only if the app tolerates its absence. Pods start on their own once ${missing.key && r?.exists ? 'the key is there' : 'it exists'}.`,
      explains: ['bad-rollout', 'init-container-failed'],
    };
  },
};
