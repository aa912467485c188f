/**
 * A large synthetic cluster for the benchmark: N nodes, namespaces, pods and events, with a given
 * incident scenario embedded unchanged. Deterministic (seeded), built in memory.
 */
import type { KubeObject } from '../src/domain/k8s.js';
import type { Scenario } from '../src/scenario/schema.js';

export interface ClusterSize {
  nodes: number;
  namespaces: number;
  pods: number;
  events: number;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const hex = (r: () => number, n: number) =>
  Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
const alnum = (r: () => number, n: number) =>
  Array.from({ length: n }, () => 'bcdfghjklmnpqrstvwxz2456789'[Math.floor(r() * 27)]).join('');

export function generateCluster(incident: Scenario, size: ClusterSize): Scenario {
  const r = rng(42);
  const now = Date.parse(incident.now);
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString().replace(/\.\d+Z$/, 'Z');
  const objects: KubeObject[] = [];
  const nodeNames: string[] = [];
  for (let i = 0; i < size.nodes; i++) {
    const name = `ip-10-${20 + Math.floor(i / 250)}-${Math.floor(i / 10) % 25}-${i % 250}.ec2.internal`;
    nodeNames.push(name);
    objects.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        uid: `node-${i}`,
        creationTimestamp: iso(86_400_000 * 3),
        labels: { 'kubernetes.io/hostname': name },
      },
      spec: {},
      status: {
        conditions: [
          { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
          { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
          { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure' },
        ],
      },
    });
  }
  const podsPerNs = Math.ceil(size.pods / size.namespaces);
  const eventsPerPod = Math.ceil(size.events / size.pods);
  let pods = 0;
  let events = 0;
  for (let n = 0; n < size.namespaces && pods < size.pods; n++) {
    const ns = `team-${n.toString().padStart(2, '0')}`;
    for (let d = 0; d < podsPerNs / 5 && pods < size.pods; d++) {
      const app = `svc-${n}-${d}`;
      const rs = `${app}-${hex(r, 9)}`;
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: app, namespace: ns, uid: `${ns}-${app}`, creationTimestamp: iso(86_400_000 * 2) },
        spec: {
          replicas: 5,
          selector: { matchLabels: { app } },
          template: {
            metadata: { labels: { app } },
            spec: { containers: [{ name: 'app', image: `registry.local/${app}:1.0.${d}` }] },
          },
        },
        status: { replicas: 5, readyReplicas: 5, availableReplicas: 5 },
      });
      for (let p = 0; p < 5 && pods < size.pods; p++, pods++) {
        const pod = `${rs}-${alnum(r, 5)}`;
        const node = nodeNames[Math.floor(r() * nodeNames.length)]!;
        objects.push({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: pod,
            namespace: ns,
            uid: `${ns}-${pod}`,
            creationTimestamp: iso(86_400_000),
            labels: { app, 'pod-template-hash': rs.slice(app.length + 1) },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, controller: true }],
          },
          spec: { nodeName: node, containers: [{ name: 'app', image: `registry.local/${app}:1.0.${d}` }] },
          status: {
            phase: 'Running',
            containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }],
          },
        });
        for (let e = 0; e < eventsPerPod && events < size.events; e++, events++) {
          const warn = r() < 0.05;
          const t = iso(Math.floor(r() * 3_000_000));
          objects.push({
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name: `${pod}.${hex(r, 16)}`, namespace: ns, creationTimestamp: t },
            involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod, namespace: ns, uid: `${ns}-${pod}` },
            reason: warn ? 'Unhealthy' : ['Pulled', 'Created', 'Started', 'Scheduled'][e % 4],
            type: warn ? 'Warning' : 'Normal',
            message: warn
              ? 'Readiness probe failed: HTTP probe failed with statuscode: 503'
              : 'Container image already present on machine',
            count: 1,
            firstTimestamp: t,
            lastTimestamp: t,
            source: { component: 'kubelet', host: node },
          });
        }
      }
    }
  }
  return {
    ...incident,
    name: `${incident.name}-large`,
    objects: [...(objects as Scenario['objects']), ...incident.objects],
  };
}
