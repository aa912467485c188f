/** A small coherent scenario for the simulator tests. */
import { type Scenario, ScenarioSchema } from '../../../src/scenario/schema.js';

export const SCENARIO_NOW = '2026-04-26T02:05:00Z';
export const NODE = 'ip-10-0-1-5.ec2.internal';

export function testScenario(overrides: Partial<Scenario> = {}): Scenario {
  const base = ScenarioSchema.parse({
    name: 'sim-test',
    description: 'A deployment with one crash-looping pod, for simulator tests.',
    kubernetesVersion: 'v1.29.4',
    now: SCENARIO_NOW,
    context: 'sim-test',
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: NODE,
          creationTimestamp: '2026-04-20T00:00:00Z',
          labels: { 'kubernetes.io/hostname': NODE, 'node-role.kubernetes.io/worker': '' },
        },
        spec: { providerID: 'aws:///us-west-2a/i-0abc' },
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: '2026-04-26T02:04:30Z',
              lastTransitionTime: '2026-04-20T00:01:00Z',
            },
          ],
          addresses: [{ type: 'InternalIP', address: '10.0.1.5' }],
          nodeInfo: {
            kubeletVersion: 'v1.29.4',
            osImage: 'Amazon Linux 2',
            containerRuntimeVersion: 'containerd://1.7.11',
          },
        },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: 'web',
          namespace: 'shop',
          creationTimestamp: '2026-04-01T00:00:00Z',
          labels: { app: 'web' },
          annotations: { 'deployment.kubernetes.io/revision': '2' },
          generation: 4,
        },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: 'registry.example.com/web:2.14.1',
                  ports: [{ containerPort: 8080, protocol: 'TCP' }],
                  env: [{ name: 'REDIS_HOST', value: 'redis' }],
                  resources: { limits: { memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
                },
                { name: 'proxy', image: 'envoyproxy/envoy:v1.29.0' },
              ],
            },
          },
        },
        status: { replicas: 2, readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1, observedGeneration: 4 },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: 'web-7d9f8b',
          namespace: 'shop',
          creationTimestamp: '2026-04-25T12:00:00Z',
          labels: { app: 'web', 'pod-template-hash': '7d9f8b' },
          annotations: { 'deployment.kubernetes.io/revision': '2' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }],
        },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d9f8b' } },
          template: {
            metadata: { labels: { app: 'web', 'pod-template-hash': '7d9f8b' } },
            spec: { containers: [{ name: 'app', image: 'registry.example.com/web:2.14.1' }] },
          },
        },
        status: { replicas: 2, readyReplicas: 1 },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: 'web-5c6d7e',
          namespace: 'shop',
          creationTimestamp: '2026-04-01T00:00:00Z',
          labels: { app: 'web', 'pod-template-hash': '5c6d7e' },
          annotations: { 'deployment.kubernetes.io/revision': '1' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web', 'pod-template-hash': '5c6d7e' } },
          template: {
            metadata: { labels: { app: 'web', 'pod-template-hash': '5c6d7e' } },
            spec: { containers: [{ name: 'app', image: 'registry.example.com/web:2.14.0' }] },
          },
        },
        status: { replicas: 0 },
      },
      pod('web-7d9f8b-abcde', true),
      pod('web-7d9f8b-fghij', false),
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: {
          name: 'web-7d9f8b-fghij.17e2a5c04f66588f',
          namespace: 'shop',
          creationTimestamp: '2026-04-26T01:45:00Z',
        },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: 'web-7d9f8b-fghij',
          namespace: 'shop',
          fieldPath: 'spec.containers{app}',
        },
        reason: 'BackOff',
        type: 'Warning',
        message: 'Back-off restarting failed container app in pod web-7d9f8b-fghij_shop(uid)',
        source: { component: 'kubelet', host: NODE },
        firstTimestamp: '2026-04-26T01:45:00Z',
        lastTimestamp: '2026-04-26T02:00:00Z',
        count: 12,
      },
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${NODE}.17e2a5c000000001`, namespace: 'default', creationTimestamp: '2026-04-26T01:40:00Z' },
        involvedObject: { kind: 'Node', name: NODE, uid: NODE },
        reason: 'NodeHasSufficientMemory',
        type: 'Normal',
        message: `Node ${NODE} status is now: NodeHasSufficientMemory`,
        source: { component: 'kubelet', host: NODE },
        firstTimestamp: '2026-04-26T01:40:00Z',
        lastTimestamp: '2026-04-26T01:40:00Z',
        count: 1,
      },
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: {
          name: 'web-7d9f8b-fghij.17e2a5c000000002',
          namespace: 'shop',
          creationTimestamp: '2026-04-26T01:30:00Z',
        },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'web-7d9f8b-fghij', namespace: 'shop' },
        reason: 'Scheduled',
        type: 'Normal',
        message: `Successfully assigned shop/web-7d9f8b-fghij to ${NODE}`,
        source: {},
        firstTimestamp: null,
        lastTimestamp: null,
        eventTime: '2026-04-26T01:30:00.123456Z',
        action: 'Binding',
        reportingComponent: 'default-scheduler',
        reportingInstance: 'default-scheduler-ip-10-0-0-1',
      },
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: {
          name: 'coredns.17e2a5c000000003',
          namespace: 'kube-system',
          creationTimestamp: '2026-04-26T01:50:00Z',
        },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'coredns-abc', namespace: 'kube-system' },
        reason: 'DNSConfigForming',
        type: 'Warning',
        message: 'Nameserver limits were exceeded',
        source: { component: 'kubelet', host: NODE },
        firstTimestamp: '2026-04-26T01:50:00Z',
        lastTimestamp: '2026-04-26T01:50:00Z',
        count: 1,
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'web-config', namespace: 'shop' },
        data: { REDIS_URL: 'redis://redis.shop.svc:6379' },
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'coredns', namespace: 'kube-system' },
        data: { Corefile: '.:53 {}' },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'web-secret', namespace: 'shop' },
        type: 'Opaque',
        data: { password: 'aHVudGVyMg==' },
        stringData: { token: 'super-secret-token' },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'shop', creationTimestamp: '2026-04-01T00:00:00Z' },
        spec: {
          type: 'ClusterIP',
          clusterIP: '172.20.10.10',
          selector: { app: 'web' },
          ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
        },
      },
    ],
    logs: [
      {
        namespace: 'shop',
        pod: 'web-7d9f8b-fghij',
        container: 'app',
        previous: true,
        text: [
          '2026-04-26T02:01:00.100Z INFO starting web 2.14.1',
          '2026-04-26T02:01:01.200Z INFO connecting to redis:6379',
          '2026-04-26T02:01:05.300Z ERROR java.lang.OutOfMemoryError: Java heap space',
          '\tat com.example.Cache.load(Cache.java:42)',
          '',
        ].join('\n'),
      },
      {
        namespace: 'shop',
        pod: 'web-7d9f8b-fghij',
        container: 'app',
        previous: false,
        text: '2026-04-26T02:04:50Z INFO starting web 2.14.1\n2026-04-26T02:04:55Z INFO loading cache\n',
      },
    ],
    forbidden: [{ verb: 'list', resource: 'configmaps', namespace: 'kube-system' }],
  });
  return { ...base, ...overrides };
}

function pod(name: string, healthy: boolean): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      creationTimestamp: '2026-04-26T01:30:00Z',
      labels: { app: 'web', 'pod-template-hash': '7d9f8b', tier: healthy ? 'frontend' : 'backend' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8b', controller: true }],
    },
    spec: {
      nodeName: NODE,
      containers: [
        { name: 'app', image: 'registry.example.com/web:2.14.1', ports: [{ containerPort: 8080 }] },
        { name: 'proxy', image: 'envoyproxy/envoy:v1.29.0' },
      ],
    },
    status: {
      phase: 'Running',
      podIP: healthy ? '10.0.1.20' : '10.0.1.21',
      startTime: '2026-04-26T01:30:05Z',
      conditions: [{ type: 'Ready', status: healthy ? 'True' : 'False' }],
      containerStatuses: [
        healthy
          ? {
              name: 'app',
              ready: true,
              restartCount: 0,
              state: { running: { startedAt: '2026-04-26T01:30:10Z' } },
            }
          : {
              name: 'app',
              ready: false,
              restartCount: 5,
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container' } },
              lastState: {
                terminated: {
                  reason: 'OOMKilled',
                  exitCode: 137,
                  startedAt: '2026-04-26T02:01:00Z',
                  finishedAt: '2026-04-26T02:01:06Z',
                },
              },
            },
        { name: 'proxy', ready: true, restartCount: 0, state: { running: { startedAt: '2026-04-26T01:30:10Z' } } },
      ],
    },
  };
}
