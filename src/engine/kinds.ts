import type { TargetKind } from '../domain/facts.js';

const SPELLINGS: Record<string, TargetKind> = {
  deploy: 'Deployment',
  deployment: 'Deployment',
  deployments: 'Deployment',
  'deployment.apps': 'Deployment',
  sts: 'StatefulSet',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  ds: 'DaemonSet',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  rs: 'ReplicaSet',
  replicaset: 'ReplicaSet',
  replicasets: 'ReplicaSet',
  po: 'Pod',
  pod: 'Pod',
  pods: 'Pod',
  job: 'Job',
  jobs: 'Job',
  cj: 'CronJob',
  cronjob: 'CronJob',
  cronjobs: 'CronJob',
  no: 'Node',
  node: 'Node',
  nodes: 'Node',
  svc: 'Service',
  service: 'Service',
  services: 'Service',
};

export const KIND_SPELLINGS = Object.keys(SPELLINGS);

/** kubectl spellings (`deploy`, `sts`, `po`, `svc`...) → canonical kind; null when unknown. */
export function parseKind(value: string): TargetKind | null {
  return SPELLINGS[value.toLowerCase()] ?? null;
}

/** Parse `kind/name`; returns null when malformed. */
export function parseTargetRef(value: string): { kind: TargetKind; name: string } | null {
  const m = /^([A-Za-z.]+)\/([a-z0-9]([a-z0-9.-]*[a-z0-9])?)$/.exec(value.trim());
  if (!m) return null;
  const kind = parseKind(m[1]!);
  return kind ? { kind, name: m[2]! } : null;
}

export const RESOURCE_OF_KIND: Record<TargetKind, string> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  ReplicaSet: 'replicasets',
  Pod: 'pods',
  Job: 'jobs',
  CronJob: 'cronjobs',
  Node: 'nodes',
  Service: 'services',
};

/** Close matches by edit distance and shared prefix, best first. */
export function closeMatches(name: string, candidates: string[], max = 5): string[] {
  const dist = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const tmp = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = tmp;
      }
    }
    return row[b.length]!;
  };
  return candidates
    .map((c) => ({ c, d: c.includes(name) || name.includes(c) ? 1 : dist(name, c) }))
    .filter(({ c, d }) => d <= Math.max(3, Math.floor(name.length / 3)) && c !== name)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, max)
    .map(({ c }) => c);
}
