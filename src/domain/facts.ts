/**
 * Facts: everything the investigation steps read from the cluster, normalised. This is the one
 * contract between steps (I/O) and rules (pure). Steps fill it in; rules only read it.
 */
import type { Container, KubeObject, Pod, PodTemplate, Workload } from './k8s.js';

export type TargetKind =
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'ReplicaSet'
  | 'Pod'
  | 'Job'
  | 'CronJob'
  | 'Node'
  | 'Service';

export interface ObjectRef {
  kind: string;
  name: string;
  namespace?: string;
}

export interface TargetFacts {
  kind: TargetKind;
  name: string;
  namespace: string;
  context: string | null;
  apiVersion: string;
  /** The object itself as read (null when it does not exist any more). */
  object: KubeObject | null;
  /** The top-level workload that owns the pods (a Pod target resolves to its Deployment etc.). */
  workload: Workload | null;
  /** Label selector of the pods (matchLabels only; expressions are honoured server-side). */
  selector: Record<string, string>;
  labelSelector: string;
  template: PodTemplate | null;
  /** Pod -> ReplicaSet -> Deployment chain, outermost last. */
  ownerChain: ObjectRef[];
}

/** A normalised event (core/v1 and events.k8s.io/v1 map to this). */
export interface Ev {
  namespace: string;
  name: string;
  kind: string; // involvedObject.kind / regarding.kind
  object: string; // involvedObject.name
  objectNamespace: string | null;
  fieldPath: string | null;
  /** Container name parsed from fieldPath `spec.containers{x}` / `spec.initContainers{x}`. */
  container: string | null;
  init: boolean;
  reason: string;
  type: 'Normal' | 'Warning' | string;
  message: string;
  count: number;
  /** First time seen (RFC 3339) or null. */
  first: string | null;
  /** Last time seen: coalesce(series.lastObservedTime, lastTimestamp, eventTime, creationTimestamp). */
  last: string;
  source: string;
  host: string | null;
}

export interface Revision {
  /** `deployment.kubernetes.io/revision` or ControllerRevision revision. */
  revision: number;
  kind: 'ReplicaSet' | 'ControllerRevision';
  name: string;
  createdAt: string | null;
  images: string[];
  changeCause: string | null;
  replicas: number;
  readyReplicas: number;
  current: boolean;
  template: PodTemplate | null;
}

export interface NodeFacts {
  name: string;
  /** false when the Node object no longer exists (only its events remain). */
  exists: boolean;
  object: KubeObject | null;
  ready: 'True' | 'False' | 'Unknown' | null;
  conditions: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
  taints: { key: string; value?: string; effect: string; timeAdded?: string }[];
  unschedulable: boolean;
  spot: boolean;
  createdAt: string | null;
  labels: Record<string, string>;
  /** Pods we care about that ran there (names), from pod specs and Scheduled events. */
  pods: string[];
  /**
   * Every pod running on the node now (all namespaces), read only for a node under memory pressure
   * that evicted or hosts the target's pods: where the consumer that starved the node is found.
   */
  residents?: Pod[];
}

export interface LogFacts {
  pod: string;
  namespace: string;
  container: string;
  previous: boolean;
  /** Redacted lines, newest last, capped. */
  lines: string[];
  truncated: boolean;
  error: string | null;
}

export interface DependencySource {
  container: string;
  /** e.g. `env REDIS_URL`, `configmap payments-config key redis.host`, `args` */
  via: string;
}

export interface DependencyFacts {
  /** Host as written (`redis-cache.production.svc.cluster.local`, `redis-cache`). */
  host: string;
  port: number | null;
  sources: DependencySource[];
  service: {
    name: string;
    namespace: string;
    exists: boolean;
    selector: Record<string, string>;
    type: string | null;
  };
  endpoints: { ready: number; notReady: number; exists: boolean };
  /** The pods backing the service (live), with their nodes. */
  pods: Pod[];
  /**
   * The controller whose pod template the Service selects, read only when the Service has no
   * ready endpoints and no pod at all (why is it empty?): its kind, name and desired replicas now.
   * Its events are in `Facts.events`.
   */
  backing?: { kind: string; name: string; namespace: string; replicas: number | null };
}

export interface ServiceFacts {
  name: string;
  namespace: string;
  selector: Record<string, string>;
  ports: { name?: string; port: number; targetPort?: number | string }[];
  /** Does the selector match the target's pod template labels? */
  matchesTemplate: boolean;
  endpoints: { exists: boolean; ready: number; notReady: number };
}

export interface EvidenceGap {
  step: string;
  verb: string;
  resource: string;
  namespace: string | null;
  status: number | null;
  message: string;
}

export interface Facts {
  /** Investigation clock (RFC 3339). */
  now: string;
  /** Start of the evidence window (RFC 3339). */
  since: string;
  target: TargetFacts;
  revisions: Revision[];
  /** Live pods of the target. */
  pods: Pod[];
  /** Pods of the target that exist only in events now (deleted/replaced). */
  deletedPods: { name: string; namespace: string; node: string | null; lastSeen: string | null }[];
  /**
   * Recent runs of the target's CronJob (the target itself, or the CronJob a Job/Pod target belongs
   * to): the Jobs it owns, newest first, at most a few, with their status (conditions, startTime,
   * completionTime). Their Warning events (DeadlineExceeded, BackoffLimitExceeded) are in `events`.
   * Empty for other targets.
   */
  jobs: KubeObject[];
  /** All events collected (pods, owners, nodes, PVCs, HPAs, dependencies, cluster warnings), de-duplicated. */
  events: Ev[];
  nodes: NodeFacts[];
  logs: LogFacts[];
  dependencies: DependencyFacts[];
  services: ServiceFacts[];
  hpas: KubeObject[];
  pvcs: KubeObject[];
  pvs: KubeObject[];
  storageClasses: { name: string; exists: boolean; provisioner: string | null }[];
  quotas: KubeObject[];
  pdbs: KubeObject[];
  networkPolicies: KubeObject[];
  /** Referenced ConfigMaps/Secrets/ServiceAccounts: whether they exist (Secret data is never read). */
  references: {
    kind: 'ConfigMap' | 'Secret' | 'ServiceAccount' | 'PriorityClass';
    name: string;
    exists: boolean;
    keys: string[];
  }[];
  /** kube-system DNS pods (CoreDNS) when looked at. */
  dnsPods: Pod[];
  gaps: EvidenceGap[];
}

/** Helper type for container lookups. */
export type ContainerSpec = Container;
