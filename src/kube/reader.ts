/**
 * The read-only view of a cluster that investigation steps use. No SDK types leak through it:
 * objects come back in wire form (plain JSON as the API server sends them).
 */
import type { KubeObject } from '../domain/k8s.js';

export const RESOURCES = [
  'pods',
  'events',
  'nodes',
  'namespaces',
  'services',
  'endpoints',
  'configmaps',
  'serviceaccounts',
  'persistentvolumeclaims',
  'persistentvolumes',
  'resourcequotas',
  'deployments',
  'replicasets',
  'statefulsets',
  'daemonsets',
  'controllerrevisions',
  'jobs',
  'cronjobs',
  'horizontalpodautoscalers',
  'poddisruptionbudgets',
  'storageclasses',
  'endpointslices',
  'networkpolicies',
  'priorityclasses',
  'secrets',
] as const;
export type Resource = (typeof RESOURCES)[number];

export interface ListOptions {
  /** Namespace, or null for all namespaces / cluster-scoped resources. */
  namespace: string | null;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size (default 500). */
  limit?: number;
  /** Stop after this many items (bounded memory); `truncated` tells. Default 2000. */
  maxItems?: number;
}

export interface ListResult {
  items: KubeObject[];
  truncated: boolean;
  /** HTTP requests this list took (pages). */
  requests: number;
}

export interface LogOptions {
  container: string;
  previous?: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
}

export interface KubeReader {
  list(resource: Resource, opts: ListOptions): Promise<ListResult>;
  /**
   * Names and labels only (`PartialObjectMetadataList`): how Secrets are listed, so their data
   * never reaches Causa.
   */
  listMetadata(resource: Resource, opts: ListOptions): Promise<ListResult>;
  /** null when the object does not exist (404). */
  get(resource: Resource, name: string, namespace: string | null): Promise<KubeObject | null>;
  logs(namespace: string, pod: string, opts: LogOptions): Promise<string>;
}

/** Why a call failed, classified for the user (edges throw these; steps turn them into gaps). */
export type KubeFailureKind =
  | 'unreachable'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'timeout'
  | 'bad-request'
  | 'server';

export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly kind: KubeFailureKind,
    readonly status: number | null,
    readonly verb: string,
    readonly resource: string,
    readonly namespace: string | null,
    message: string,
    readonly server: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isKubeApiError(err: unknown): err is KubeApiError {
  return err instanceof KubeApiError;
}

/** The RBAC rule that would allow a call, for "what is missing" messages. */
export function rbacHint(verb: string, resource: string, namespace: string | null): string {
  const [res, sub] = resource.split('/');
  const group = apiGroupOf(res as Resource);
  const where = namespace ? `in namespace ${namespace}` : 'cluster-wide';
  return `${verb} ${sub ? `${res}/${sub}` : res} (apiGroup "${group}") ${where}`;
}

export function apiGroupOf(resource: Resource): string {
  switch (resource) {
    case 'deployments':
    case 'replicasets':
    case 'statefulsets':
    case 'daemonsets':
    case 'controllerrevisions':
      return 'apps';
    case 'jobs':
    case 'cronjobs':
      return 'batch';
    case 'horizontalpodautoscalers':
      return 'autoscaling';
    case 'poddisruptionbudgets':
      return 'policy';
    case 'storageclasses':
      return 'storage.k8s.io';
    case 'endpointslices':
      return 'discovery.k8s.io';
    case 'networkpolicies':
      return 'networking.k8s.io';
    case 'priorityclasses':
      return 'scheduling.k8s.io';
    default:
      return '';
  }
}
