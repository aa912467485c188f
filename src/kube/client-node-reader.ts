/**
 * KubeReader over the real @kubernetes/client-node 1.4 typed APIs. Objects are converted back to
 * wire form with the client's own ObjectSerializer so the engine sees what the API server sent.
 */
import type { KubeObject } from '../domain/k8s.js';
import { type ClientNodeOptions, loadClientNode } from './client-node-runtime.js';
import {
  KubeApiError,
  type KubeFailureKind,
  type KubeReader,
  type ListOptions,
  type ListResult,
  type LogOptions,
  type Resource,
} from './reader.js';

interface ResourceSpec {
  api: 'core' | 'apps' | 'batch' | 'autoscaling' | 'policy' | 'storage' | 'discovery' | 'networking' | 'scheduling';
  /** Method stem, e.g. `Pod` for listNamespacedPod/readNamespacedPod. */
  stem: string;
  /** Stem used by list-all, e.g. `listPodForAllNamespaces`. */
  namespaced: boolean;
  type: string;
  listType: string;
}

const SPECS: Record<Resource, ResourceSpec> = {
  pods: { api: 'core', stem: 'Pod', namespaced: true, type: 'V1Pod', listType: 'V1PodList' },
  events: { api: 'core', stem: 'Event', namespaced: true, type: 'CoreV1Event', listType: 'CoreV1EventList' },
  nodes: { api: 'core', stem: 'Node', namespaced: false, type: 'V1Node', listType: 'V1NodeList' },
  namespaces: { api: 'core', stem: 'Namespace', namespaced: false, type: 'V1Namespace', listType: 'V1NamespaceList' },
  services: { api: 'core', stem: 'Service', namespaced: true, type: 'V1Service', listType: 'V1ServiceList' },
  endpoints: { api: 'core', stem: 'Endpoints', namespaced: true, type: 'V1Endpoints', listType: 'V1EndpointsList' },
  configmaps: { api: 'core', stem: 'ConfigMap', namespaced: true, type: 'V1ConfigMap', listType: 'V1ConfigMapList' },
  serviceaccounts: {
    api: 'core',
    stem: 'ServiceAccount',
    namespaced: true,
    type: 'V1ServiceAccount',
    listType: 'V1ServiceAccountList',
  },
  persistentvolumeclaims: {
    api: 'core',
    stem: 'PersistentVolumeClaim',
    namespaced: true,
    type: 'V1PersistentVolumeClaim',
    listType: 'V1PersistentVolumeClaimList',
  },
  persistentvolumes: {
    api: 'core',
    stem: 'PersistentVolume',
    namespaced: false,
    type: 'V1PersistentVolume',
    listType: 'V1PersistentVolumeList',
  },
  resourcequotas: {
    api: 'core',
    stem: 'ResourceQuota',
    namespaced: true,
    type: 'V1ResourceQuota',
    listType: 'V1ResourceQuotaList',
  },
  deployments: {
    api: 'apps',
    stem: 'Deployment',
    namespaced: true,
    type: 'V1Deployment',
    listType: 'V1DeploymentList',
  },
  replicasets: {
    api: 'apps',
    stem: 'ReplicaSet',
    namespaced: true,
    type: 'V1ReplicaSet',
    listType: 'V1ReplicaSetList',
  },
  statefulsets: {
    api: 'apps',
    stem: 'StatefulSet',
    namespaced: true,
    type: 'V1StatefulSet',
    listType: 'V1StatefulSetList',
  },
  daemonsets: { api: 'apps', stem: 'DaemonSet', namespaced: true, type: 'V1DaemonSet', listType: 'V1DaemonSetList' },
  controllerrevisions: {
    api: 'apps',
    stem: 'ControllerRevision',
    namespaced: true,
    type: 'V1ControllerRevision',
    listType: 'V1ControllerRevisionList',
  },
  jobs: { api: 'batch', stem: 'Job', namespaced: true, type: 'V1Job', listType: 'V1JobList' },
  cronjobs: { api: 'batch', stem: 'CronJob', namespaced: true, type: 'V1CronJob', listType: 'V1CronJobList' },
  horizontalpodautoscalers: {
    api: 'autoscaling',
    stem: 'HorizontalPodAutoscaler',
    namespaced: true,
    type: 'V2HorizontalPodAutoscaler',
    listType: 'V2HorizontalPodAutoscalerList',
  },
  poddisruptionbudgets: {
    api: 'policy',
    stem: 'PodDisruptionBudget',
    namespaced: true,
    type: 'V1PodDisruptionBudget',
    listType: 'V1PodDisruptionBudgetList',
  },
  storageclasses: {
    api: 'storage',
    stem: 'StorageClass',
    namespaced: false,
    type: 'V1StorageClass',
    listType: 'V1StorageClassList',
  },
  endpointslices: {
    api: 'discovery',
    stem: 'EndpointSlice',
    namespaced: true,
    type: 'V1EndpointSlice',
    listType: 'V1EndpointSliceList',
  },
  networkpolicies: {
    api: 'networking',
    stem: 'NetworkPolicy',
    namespaced: true,
    type: 'V1NetworkPolicy',
    listType: 'V1NetworkPolicyList',
  },
  secrets: { api: 'core', stem: 'Secret', namespaced: true, type: 'V1Secret', listType: 'V1SecretList' },
  priorityclasses: {
    api: 'scheduling',
    stem: 'PriorityClass',
    namespaced: false,
    type: 'V1PriorityClass',
    listType: 'V1PriorityClassList',
  },
};

const METADATA_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

export type ClientNodeReaderOptions = ClientNodeOptions;

export interface ClusterInfo {
  server: string;
  context: string | null;
  defaultNamespace: string;
}

// biome-ignore lint/suspicious/noExplicitAny: generated API classes are addressed by method name
type AnyApi = Record<string, (param: any, options?: any) => Promise<any>>;

/** Creates a reader; throws KubeApiError('unreachable') for unusable kubeconfigs. */
export async function createClientNodeReader(opts: ClientNodeReaderOptions = {}): Promise<KubeReader & ClusterInfo> {
  const rt = await loadClientNode(opts);
  const { k8s, kc, server, timeoutMs } = rt;
  const contextName = rt.context;
  const defaultNamespace = rt.defaultNamespace;

  const apis: Record<ResourceSpec['api'], AnyApi> = {
    core: kc.makeApiClient(k8s.CoreV1Api) as unknown as AnyApi,
    apps: kc.makeApiClient(k8s.AppsV1Api) as unknown as AnyApi,
    batch: kc.makeApiClient(k8s.BatchV1Api) as unknown as AnyApi,
    autoscaling: kc.makeApiClient(k8s.AutoscalingV2Api) as unknown as AnyApi,
    policy: kc.makeApiClient(k8s.PolicyV1Api) as unknown as AnyApi,
    storage: kc.makeApiClient(k8s.StorageV1Api) as unknown as AnyApi,
    discovery: kc.makeApiClient(k8s.DiscoveryV1Api) as unknown as AnyApi,
    networking: kc.makeApiClient(k8s.NetworkingV1Api) as unknown as AnyApi,
    scheduling: kc.makeApiClient(k8s.SchedulingV1Api) as unknown as AnyApi,
  };

  const timeoutOptions = rt.callOptions;
  const toWire = rt.toWire;

  const fail = (err: unknown, verb: string, resource: string, namespace: string | null): KubeApiError => {
    if (err instanceof k8s.ApiException) {
      const code = err.code;
      let message = `HTTP ${code}`;
      try {
        const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
        if (body?.message) message = String(body.message);
      } catch {
        /* body was not JSON */
      }
      const kind: KubeFailureKind =
        code === 401
          ? 'unauthenticated'
          : code === 403
            ? 'forbidden'
            : code === 404
              ? 'not-found'
              : code >= 500
                ? 'server'
                : 'bad-request';
      if (code === 401) message = `Unauthorized: the API server ${server} rejected the credentials`;
      return new KubeApiError(kind, code, verb, resource, namespace, message, server, { cause: err });
    }
    const e = err as Error & { type?: string; code?: string };
    if (e?.name === 'AbortError' || e?.name === 'TimeoutError' || e?.type === 'aborted') {
      return new KubeApiError(
        'timeout',
        null,
        verb,
        resource,
        namespace,
        `${verb} ${resource} timed out after ${timeoutMs} ms (${server})`,
        server,
        { cause: err },
      );
    }
    return new KubeApiError(
      'unreachable',
      null,
      verb,
      resource,
      namespace,
      `cannot reach the Kubernetes API at ${server}: ${e?.message ?? String(err)}`,
      server,
      { cause: err },
    );
  };

  const listImpl = async (resource: Resource, o: ListOptions, metadataOnly: boolean): Promise<ListResult> => {
    if (resource === 'secrets' && !metadataOnly) throw new Error('Secrets are only ever listed as metadata');
    const spec = SPECS[resource];
    const api = apis[spec.api];
    const method =
      spec.namespaced && o.namespace
        ? `listNamespaced${spec.stem}`
        : spec.namespaced
          ? `list${spec.stem}ForAllNamespaces`
          : `list${spec.stem}`;
    const maxItems = o.maxItems ?? 2000;
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let truncated = false;
    let requests = 0;
    do {
      requests++;
      const param: Record<string, unknown> = { limit: Math.min(o.limit ?? 500, maxItems) };
      if (spec.namespaced && o.namespace) param.namespace = o.namespace;
      if (o.labelSelector) param.labelSelector = o.labelSelector;
      if (o.fieldSelector) param.fieldSelector = o.fieldSelector;
      if (cont) param._continue = cont;
      let page: { items?: unknown[]; metadata?: { _continue?: string } };
      try {
        const fn = api[method];
        if (!fn) throw new Error(`no method ${method}`);
        page = await fn.call(api, param, timeoutOptions(metadataOnly ? METADATA_ACCEPT : undefined));
      } catch (err) {
        throw fail(err, 'list', resource, o.namespace);
      }
      for (const item of page.items ?? []) {
        if (items.length >= maxItems) {
          truncated = true;
          break;
        }
        const wire = toWire(item, spec.type);
        // Metadata only, whatever the server sent: Secret data must never reach Causa.
        items.push(metadataOnly ? { metadata: wire.metadata ?? {} } : wire);
      }
      cont = page.metadata?._continue || undefined;
      if (cont && items.length >= maxItems) {
        truncated = true;
        cont = undefined;
      }
    } while (cont);
    return { items, truncated, requests };
  };

  return {
    server,
    context: contextName,
    defaultNamespace,

    list(resource: Resource, o: ListOptions): Promise<ListResult> {
      return listImpl(resource, o, false);
    },

    listMetadata(resource: Resource, o: ListOptions): Promise<ListResult> {
      return listImpl(resource, o, true);
    },

    async get(resource: Resource, name: string, namespace: string | null): Promise<KubeObject | null> {
      if (resource === 'secrets') throw new Error('Secrets are never read');
      const spec = SPECS[resource];
      const api = apis[spec.api];
      const method = spec.namespaced ? `readNamespaced${spec.stem}` : `read${spec.stem}`;
      try {
        const fn = api[method];
        if (!fn) throw new Error(`no method ${method}`);
        const obj = await fn.call(api, spec.namespaced ? { name, namespace } : { name }, timeoutOptions());
        return toWire(obj, spec.type);
      } catch (err) {
        const e = fail(err, 'get', resource, namespace);
        if (e.kind === 'not-found') return null;
        throw e;
      }
    },

    async logs(namespace: string, pod: string, o: LogOptions): Promise<string> {
      const param: Record<string, unknown> = { name: pod, namespace, container: o.container };
      if (o.previous) param.previous = true;
      if (o.tailLines !== undefined) param.tailLines = o.tailLines;
      if (o.limitBytes !== undefined) param.limitBytes = o.limitBytes;
      if (o.sinceSeconds !== undefined) param.sinceSeconds = o.sinceSeconds;
      try {
        const text = await apis.core.readNamespacedPodLog!.call(apis.core, param, timeoutOptions());
        return typeof text === 'string' ? text : String(text ?? '');
      } catch (err) {
        throw fail(err, 'get', 'pods/log', namespace);
      }
    },
  };
}
