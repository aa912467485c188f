/**
 * KubePatcher: the only code in Causa that writes to a cluster. It reads the fix's target, PATCHes it
 * with a server-side dry run (`dryRun=All`) for review, and applies it with `fieldManager=causa` and a
 * `metadata.resourceVersion` (+ `uid`) precondition. Every failure comes back classified (403 with the
 * RBAC permission that is missing, 404, 409, 422 with its causes, …), never thrown.
 *
 * client-node picks `application/json-patch+json` for every patch unless told otherwise, so the
 * Content-Type is always set with `setHeaderOptions('Content-Type', PatchStrategy.X)` (exact casing:
 * shared/reference/protocols.md §C.2). The patcher needs RBAC beyond the read-only role: see README.md here.
 */
import type { KubeObject } from '../domain/k8s.js';
import type { Fix, ResourceRef } from '../domain/result.js';

import { type ClientNodeOptions, type K8s, loadClientNode } from '../kube/client-node-runtime.js';

/** The field manager every Causa write carries (shown in `managedFields`). */
export const FIELD_MANAGER = 'causa';

export type PatchFailureKind =
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'invalid'
  | 'unsupported'
  | 'bad-request'
  | 'unauthenticated'
  | 'timeout'
  | 'unreachable'
  | 'server';

export interface PatchFailure {
  kind: PatchFailureKind;
  /** HTTP status, null for network failures. */
  status: number | null;
  message: string;
  /** For `forbidden`: the RBAC permission that is missing, e.g. `patch deployments.apps in namespace production`. */
  permission: string | null;
  /** For `invalid` (422): the fields the API server rejected. */
  causes: { field: string; message: string }[];
}

export type ObjectResult = { ok: true; object: KubeObject } | { ok: false; failure: PatchFailure };

export interface PatchRequest {
  fix: Fix;
  dryRun: boolean;
  /** The object version the patch is bound to; the API server refuses it (409) when the object changed. */
  precondition: { resourceVersion: string; uid: string } | null;
}

export interface KubePatcher {
  context: string | null;
  server: string;
  get(ref: ResourceRef): Promise<ObjectResult>;
  patch(req: PatchRequest): Promise<ObjectResult>;
}

export interface PatcherFactory {
  /** `context` null = the kubeconfig's current context. */
  get(context: string | null): Promise<KubePatcher>;
}

type ApiName = 'core' | 'apps' | 'batch' | 'autoscaling' | 'policy' | 'networking';

interface KindSpec {
  apiVersion: string;
  api: ApiName;
  plural: string;
  namespaced: boolean;
  /** client-node model name, for turning responses back into wire form. */
  type: string;
}

/** The kinds Causa's rules propose fixes for (and the API class that patches each). */
const KINDS: Record<string, KindSpec> = {
  Deployment: { apiVersion: 'apps/v1', api: 'apps', plural: 'deployments', namespaced: true, type: 'V1Deployment' },
  StatefulSet: { apiVersion: 'apps/v1', api: 'apps', plural: 'statefulsets', namespaced: true, type: 'V1StatefulSet' },
  DaemonSet: { apiVersion: 'apps/v1', api: 'apps', plural: 'daemonsets', namespaced: true, type: 'V1DaemonSet' },
  ReplicaSet: { apiVersion: 'apps/v1', api: 'apps', plural: 'replicasets', namespaced: true, type: 'V1ReplicaSet' },
  Job: { apiVersion: 'batch/v1', api: 'batch', plural: 'jobs', namespaced: true, type: 'V1Job' },
  CronJob: { apiVersion: 'batch/v1', api: 'batch', plural: 'cronjobs', namespaced: true, type: 'V1CronJob' },
  HorizontalPodAutoscaler: {
    apiVersion: 'autoscaling/v2',
    api: 'autoscaling',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
    type: 'V2HorizontalPodAutoscaler',
  },
  PodDisruptionBudget: {
    apiVersion: 'policy/v1',
    api: 'policy',
    plural: 'poddisruptionbudgets',
    namespaced: true,
    type: 'V1PodDisruptionBudget',
  },
  NetworkPolicy: {
    apiVersion: 'networking.k8s.io/v1',
    api: 'networking',
    plural: 'networkpolicies',
    namespaced: true,
    type: 'V1NetworkPolicy',
  },
  Service: { apiVersion: 'v1', api: 'core', plural: 'services', namespaced: true, type: 'V1Service' },
  ConfigMap: { apiVersion: 'v1', api: 'core', plural: 'configmaps', namespaced: true, type: 'V1ConfigMap' },
  PersistentVolumeClaim: {
    apiVersion: 'v1',
    api: 'core',
    plural: 'persistentvolumeclaims',
    namespaced: true,
    type: 'V1PersistentVolumeClaim',
  },
  ResourceQuota: { apiVersion: 'v1', api: 'core', plural: 'resourcequotas', namespaced: true, type: 'V1ResourceQuota' },
  ServiceAccount: {
    apiVersion: 'v1',
    api: 'core',
    plural: 'serviceaccounts',
    namespaced: true,
    type: 'V1ServiceAccount',
  },
  Node: { apiVersion: 'v1', api: 'core', plural: 'nodes', namespaced: false, type: 'V1Node' },
};

function kindSpec(ref: Pick<ResourceRef, 'apiVersion' | 'kind'>): KindSpec | null {
  const spec = KINDS[ref.kind];
  return spec && spec.apiVersion === ref.apiVersion ? spec : null;
}

/** Whether Causa can read and patch objects of this apiVersion/kind. */
export function canPatch(ref: Pick<ResourceRef, 'apiVersion' | 'kind'>): boolean {
  return kindSpec(ref) !== null;
}

/** `deployments.apps` / `services`: the resource as RBAC rules and error messages name it. */
export function resourceName(ref: Pick<ResourceRef, 'apiVersion' | 'kind'>): string {
  const plural = KINDS[ref.kind]?.plural ?? `${ref.kind.toLowerCase()}s`;
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return group ? `${plural}.${group}` : plural;
}

/** The RBAC permission a call needs: `patch deployments.apps in namespace production`. */
export function permissionFor(verb: 'get' | 'patch', ref: ResourceRef): string {
  const spec = KINDS[ref.kind];
  const where = spec?.namespaced === false || !ref.namespace ? 'cluster-wide' : `in namespace ${ref.namespace}`;
  return `${verb} ${resourceName(ref)} ${where}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The request body: the fix's patch plus the precondition. Merge-style patches carry
 * `metadata.resourceVersion` and `metadata.uid` (the API server answers 409 when either no longer matches);
 * a JSON patch gets a `test` of the uid and a `replace` of the resourceVersion in front of its operations.
 */
export function patchBody(fix: Fix, precondition: PatchRequest['precondition']): unknown {
  if (precondition === null) return fix.patch;
  if (fix.patchType === 'json') {
    const ops = Array.isArray(fix.patch) ? fix.patch : [];
    return [
      { op: 'test', path: '/metadata/uid', value: precondition.uid },
      { op: 'replace', path: '/metadata/resourceVersion', value: precondition.resourceVersion },
      ...ops,
    ];
  }
  const patch = isRecord(fix.patch) ? fix.patch : {};
  const metadata = isRecord(patch.metadata) ? patch.metadata : {};
  return {
    ...patch,
    metadata: { ...metadata, resourceVersion: precondition.resourceVersion, uid: precondition.uid },
  };
}

/** Classifies an API server answer (status + `Status` body) for a call on `ref`. */
export function classifyStatus(
  status: number,
  body: unknown,
  verb: 'get' | 'patch',
  ref: ResourceRef,
  server: string,
): PatchFailure {
  const st = isRecord(body) ? body : {};
  const details = isRecord(st.details) ? st.details : {};
  const causes = (Array.isArray(details.causes) ? details.causes : []).filter(isRecord).map((c) => ({
    field: typeof c.field === 'string' ? c.field : '',
    message: typeof c.message === 'string' ? c.message : String(c.reason ?? ''),
  }));
  const message = typeof st.message === 'string' && st.message !== '' ? st.message : `HTTP ${status}`;
  const base = { status, message, permission: null, causes };
  switch (status) {
    case 401:
      return { ...base, kind: 'unauthenticated', message: `the API server ${server} rejected Causa's credentials` };
    case 403:
      return { ...base, kind: 'forbidden', permission: permissionFor(verb, ref) };
    case 404:
      return { ...base, kind: 'not-found' };
    case 409:
      return { ...base, kind: 'conflict' };
    case 415:
      return { ...base, kind: 'unsupported' };
    case 422:
      // A failed `test` op of a JSON patch precondition is the object having changed, not a bad patch.
      if (
        [message, ...causes.map((c) => c.message)].some((m) =>
          /testing value \/metadata\/(uid|resourceVersion) failed/.test(m),
        )
      )
        return { ...base, kind: 'conflict' };
      return { ...base, kind: 'invalid' };
    default:
      return { ...base, kind: status >= 500 ? 'server' : 'bad-request' };
  }
}

export type ClientNodePatcherOptions = ClientNodeOptions;

// biome-ignore lint/suspicious/noExplicitAny: generated API classes are addressed by method name
type AnyApi = Record<string, (param: any, options?: any) => Promise<any>>;

/** A KubePatcher over @kubernetes/client-node 1.4 (loaded lazily, like the reader). */
export async function createClientNodePatcher(opts: ClientNodePatcherOptions = {}): Promise<KubePatcher> {
  const rt = await loadClientNode(opts);
  const { k8s, kc, server, context, timeoutMs } = rt;
  const apis: Record<ApiName, AnyApi> = {
    core: kc.makeApiClient(k8s.CoreV1Api) as unknown as AnyApi,
    apps: kc.makeApiClient(k8s.AppsV1Api) as unknown as AnyApi,
    batch: kc.makeApiClient(k8s.BatchV1Api) as unknown as AnyApi,
    autoscaling: kc.makeApiClient(k8s.AutoscalingV2Api) as unknown as AnyApi,
    policy: kc.makeApiClient(k8s.PolicyV1Api) as unknown as AnyApi,
    networking: kc.makeApiClient(k8s.NetworkingV1Api) as unknown as AnyApi,
  };
  const timeout = () => rt.callOptions();

  const fail = (err: unknown, verb: 'get' | 'patch', ref: ResourceRef): PatchFailure => {
    if (err instanceof k8s.ApiException) {
      let body: unknown = err.body;
      try {
        if (typeof body === 'string') body = JSON.parse(body);
      } catch {
        /* not JSON */
      }
      return classifyStatus(err.code, body, verb, ref, server);
    }
    const e = err as Error & { type?: string };
    const timedOut = e?.name === 'AbortError' || e?.name === 'TimeoutError' || e?.type === 'aborted';
    return {
      kind: timedOut ? 'timeout' : 'unreachable',
      status: null,
      message: timedOut
        ? `${verb} timed out after ${timeoutMs} ms (${server})`
        : `cannot reach the Kubernetes API at ${server}: ${e?.message ?? String(err)}`,
      permission: null,
      causes: [],
    };
  };

  const call = async (
    verb: 'get' | 'patch',
    ref: ResourceRef,
    build: (spec: KindSpec, params: Record<string, unknown>) => [string, Record<string, unknown>, unknown],
  ): Promise<ObjectResult> => {
    const spec = kindSpec(ref);
    if (!spec) {
      return {
        ok: false,
        failure: {
          kind: 'unsupported',
          status: null,
          message: `Causa cannot ${verb} ${ref.apiVersion} ${ref.kind} objects`,
          permission: null,
          causes: [],
        },
      };
    }
    const params: Record<string, unknown> = spec.namespaced
      ? { name: ref.name, namespace: ref.namespace }
      : { name: ref.name };
    const [method, param, options] = build(spec, params);
    const api = apis[spec.api];
    try {
      const fn = api[method];
      if (!fn) throw new Error(`no method ${method}`);
      const obj = await fn.call(api, param, options);
      const wire = rt.toWire(obj, spec.type);
      return { ok: true, object: { apiVersion: spec.apiVersion, kind: ref.kind, ...wire } };
    } catch (err) {
      return { ok: false, failure: fail(err, verb, ref) };
    }
  };

  const stem = (spec: KindSpec, kind: string) => (spec.namespaced ? `Namespaced${kind}` : kind);

  return {
    context,
    server,
    get(ref) {
      return call('get', ref, (spec, params) => [`read${stem(spec, ref.kind)}`, params, timeout()]);
    },
    patch({ fix, dryRun, precondition }) {
      return call('patch', fix.resource, (spec, params) => [
        `patch${stem(spec, fix.resource.kind)}`,
        {
          ...params,
          body: patchBody(fix, precondition),
          fieldManager: FIELD_MANAGER,
          ...(dryRun ? { dryRun: 'All' } : {}),
        },
        k8s.setHeaderOptions(
          'Content-Type',
          contentTypeOf(k8s, fix.patchType),
          timeout() as unknown as Parameters<K8s['setHeaderOptions']>[2],
        ),
      ]);
    },
  };
}

function contentTypeOf(k8s: K8s, type: Fix['patchType']): string {
  switch (type) {
    case 'strategic':
      return k8s.PatchStrategy.StrategicMergePatch;
    case 'merge':
      return k8s.PatchStrategy.MergePatch;
    case 'json':
      return k8s.PatchStrategy.JsonPatch;
  }
}

/** One patcher per kubeconfig context, created on first use (a failed creation is retried next time). */
export function createPatcherFactory(opts: { kubeconfig?: string; timeoutMs?: number } = {}): PatcherFactory {
  const cache = new Map<string, Promise<KubePatcher>>();
  return {
    get(context) {
      const key = context ?? '';
      let p = cache.get(key);
      if (!p) {
        p = createClientNodePatcher({
          ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
          ...(context ? { context } : {}),
          ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
        });
        p.catch(() => cache.delete(key));
        cache.set(key, p);
      }
      return p;
    },
  };
}
