/** Small helpers shared by steps (pure). */
import type { Ev, Facts } from '../domain/facts.js';
import type { KubeEvent, KubeObject, LabelSelectorRequirement, Pod } from '../domain/k8s.js';
import { normalizeEvent } from '../engine/normalize.js';
import type { StepContext } from './step.js';

export function selectorString(
  matchLabels: Record<string, string> | undefined,
  expressions: LabelSelectorRequirement[] = [],
): string {
  const parts = Object.entries(matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of expressions) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

export function ref(kind: string, name: string, namespace: string | null | undefined): string {
  return `${namespace || 'default'}/${kind}/${name}`;
}

/** Events about one object (field selector on involvedObject). `namespace` null = all namespaces. */
export async function eventsFor(
  ctx: StepContext,
  kind: string,
  name: string,
  namespace: string | null,
  maxItems = 300,
): Promise<Ev[]> {
  const items = await ctx.tryList('events', {
    namespace,
    fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
    maxItems,
  });
  return items.map((e) => normalizeEvent(e as KubeEvent));
}

export function inWindow(e: Ev, since: Date): boolean {
  return Date.parse(e.last) >= since.getTime();
}

export function podIsTroubled(p: Pod): boolean {
  const statuses = [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])];
  if (p.status?.phase === 'Pending' || p.status?.phase === 'Failed') return true;
  return statuses.some((c) => !c.ready || (c.restartCount ?? 0) > 0 || c.state?.waiting);
}

export function restarts(p: Pod): number {
  return (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** Name prefixes of the target's pods (for pods that now exist only in events). */
export function podNamePrefixes(facts: Readonly<Facts>): string[] {
  const t = facts.target;
  switch (t.kind) {
    case 'Deployment':
    case 'ReplicaSet':
      return facts.revisions.filter((r) => r.kind === 'ReplicaSet').map((r) => `${r.name}-`);
    case 'StatefulSet':
      return [`${t.workload?.metadata?.name ?? t.name}-`];
    case 'DaemonSet':
    case 'Job':
    case 'CronJob':
      return [`${t.workload?.metadata?.name ?? t.name}-`];
    case 'Pod':
      return facts.revisions.length > 0 ? facts.revisions.map((r) => `${r.name}-`) : [`${t.name}`];
    default:
      return [];
  }
}

export function isTargetPodName(name: string, prefixes: string[]): boolean {
  return prefixes.some((p) => {
    if (!name.startsWith(p)) return false;
    const rest = name.slice(p.length);
    // <rs>-<5 chars>, <sts>-<ordinal>, <job>-<5 chars>; reject longer names of other workloads
    return /^[a-z0-9]{5}$/.test(rest) || /^\d+$/.test(rest) || rest === '' || /^[a-z0-9]{5}-[a-z0-9]{5}$/.test(rest);
  });
}

export function objName(o: KubeObject | null | undefined): string {
  return o?.metadata?.name ?? '';
}

/** Group events into a short note text: `Unhealthy ×24 on 3 pods: Liveness probe failed: …`. */
export function summarizeEvents(events: Ev[], max = 6): { time: string | null; text: string; ref: string }[] {
  const groups = new Map<string, { e: Ev; count: number; objects: Set<string> }>();
  for (const e of events) {
    const key = `${e.kind}|${e.reason}|${e.message.replace(/\b[a-z0-9]+-[a-z0-9]{5}\b|\d+(\.\d+)*/g, '#').slice(0, 80)}`;
    const g = groups.get(key) ?? { e, count: 0, objects: new Set<string>() };
    g.count += e.count;
    g.objects.add(e.object);
    if (e.last > g.e.last) g.e = e;
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => (a.e.type === b.e.type ? b.count - a.count : a.e.type === 'Warning' ? -1 : 1))
    .slice(0, max)
    .map(({ e, count, objects }) => ({
      time: e.last,
      text: `${e.reason} ×${count}${objects.size > 1 ? ` on ${objects.size} ${e.kind.toLowerCase()}s` : ''}: ${e.message.slice(0, 200)}`,
      ref: ref(e.kind, e.object, e.objectNamespace ?? (e.kind === 'Node' ? 'default' : e.namespace)),
    }));
}
