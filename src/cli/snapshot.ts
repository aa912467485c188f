/** Records what an investigation read, as a scenario file (`causa snapshot`). Secret values are stripped. */
import { stringify } from 'yaml';
import type { KubeObject } from '../domain/k8s.js';
import { isSecretKey, redact } from '../engine/redact.js';
import type { Recorder } from '../engine/scoped-reader.js';
import type { Resource } from '../kube/reader.js';

const KIND_OF: Partial<Record<Resource, [string, string]>> = {
  pods: ['v1', 'Pod'],
  events: ['v1', 'Event'],
  nodes: ['v1', 'Node'],
  services: ['v1', 'Service'],
  endpoints: ['v1', 'Endpoints'],
  configmaps: ['v1', 'ConfigMap'],
  serviceaccounts: ['v1', 'ServiceAccount'],
  persistentvolumeclaims: ['v1', 'PersistentVolumeClaim'],
  persistentvolumes: ['v1', 'PersistentVolume'],
  resourcequotas: ['v1', 'ResourceQuota'],
  namespaces: ['v1', 'Namespace'],
  deployments: ['apps/v1', 'Deployment'],
  replicasets: ['apps/v1', 'ReplicaSet'],
  statefulsets: ['apps/v1', 'StatefulSet'],
  daemonsets: ['apps/v1', 'DaemonSet'],
  controllerrevisions: ['apps/v1', 'ControllerRevision'],
  jobs: ['batch/v1', 'Job'],
  cronjobs: ['batch/v1', 'CronJob'],
  horizontalpodautoscalers: ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  poddisruptionbudgets: ['policy/v1', 'PodDisruptionBudget'],
  storageclasses: ['storage.k8s.io/v1', 'StorageClass'],
  endpointslices: ['discovery.k8s.io/v1', 'EndpointSlice'],
  networkpolicies: ['networking.k8s.io/v1', 'NetworkPolicy'],
  priorityclasses: ['scheduling.k8s.io/v1', 'PriorityClass'],
};

function scrub(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  if (copy.metadata) delete copy.metadata.managedFields;
  if (copy.metadata?.annotations) delete copy.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'];
  if (copy.kind === 'ConfigMap' && copy.data)
    for (const k of Object.keys(copy.data)) copy.data[k] = isSecretKey(k) ? '***' : redact(String(copy.data[k]));
  for (const c of [...(copy.spec?.containers ?? []), ...(copy.spec?.template?.spec?.containers ?? [])])
    for (const e of c.env ?? [])
      if (typeof e.value === 'string') e.value = isSecretKey(e.name) ? '***' : redact(e.value);
  return copy;
}

export class SnapshotRecorder implements Recorder {
  private readonly objects = new Map<string, KubeObject>();
  private readonly logs = new Map<
    string,
    { namespace: string; pod: string; container: string; previous: boolean; text: string }
  >();

  get size(): number {
    return this.objects.size;
  }

  object(obj: KubeObject, resource: Resource): void {
    const [apiVersion, kind] = KIND_OF[resource] ?? [obj.apiVersion ?? 'v1', obj.kind ?? resource];
    const o = scrub({ ...obj, apiVersion, kind });
    this.objects.set(`${apiVersion}/${kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, o);
  }

  log(namespace: string, pod: string, container: string, previous: boolean, text: string): void {
    this.logs.set(`${namespace}/${pod}/${container}/${previous}`, {
      namespace,
      pod,
      container,
      previous,
      text: text.split('\n').map(redact).join('\n'),
    });
  }

  toYaml(meta: { target: string; namespace: string; context: string; summary: string }): string {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return stringify(
      {
        name: `snapshot-${now.replace(/[:T]/g, '-').replace(/Z$/, '')}`,
        description: `Snapshot of ${meta.target} -n ${meta.namespace} taken by causa snapshot. Verdict at capture: ${meta.summary}`,
        now,
        context: meta.context,
        objects: [...this.objects.values()],
        logs: [...this.logs.values()],
        investigate: { target: meta.target, namespace: meta.namespace },
      },
      { lineWidth: 0 },
    );
  }
}
