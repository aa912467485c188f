/**
 * Minimal wire-form (JSON) shapes of the Kubernetes objects Causa reads. Only the fields the
 * engine uses are typed; everything is optional because real objects omit empty fields.
 * Timestamps are RFC 3339 strings exactly as the API server sends them.
 */

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  generateName?: string;
  managedFields?: unknown[];
}

export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  // biome-ignore lint/suspicious/noExplicitAny: raw objects carry arbitrary fields
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: raw objects carry arbitrary fields
  status?: any;
  // biome-ignore lint/suspicious/noExplicitAny: raw objects carry arbitrary fields
  [key: string]: any;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
  lastUpdateTime?: string;
}

export interface Probe {
  httpGet?: { path?: string; port?: number | string; scheme?: string; host?: string };
  tcpSocket?: { port?: number | string; host?: string };
  exec?: { command?: string[] };
  grpc?: { port?: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name?: string; key: string; optional?: boolean };
    configMapKeyRef?: { name?: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string; containerName?: string };
  };
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: {
    configMapRef?: { name?: string; optional?: boolean };
    secretRef?: { name?: string; optional?: boolean };
    prefix?: string;
  }[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { postStart?: unknown; preStop?: unknown };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodSpec {
  nodeName?: string;
  containers: Container[];
  initContainers?: Container[];
  volumes?: {
    name: string;
    configMap?: { name?: string; optional?: boolean };
    secret?: { secretName?: string; optional?: boolean };
    persistentVolumeClaim?: { claimName: string };
    emptyDir?: { sizeLimit?: string };
    projected?: unknown;
  }[];
  nodeSelector?: Record<string, string>;
  affinity?: unknown;
  tolerations?: unknown[];
  serviceAccountName?: string;
  imagePullSecrets?: { name: string }[];
  priorityClassName?: string;
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
}

export interface ContainerStateTerminated {
  reason?: string;
  exitCode?: number;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  signal?: number;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  image?: string;
  imageID?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface PodStatus {
  phase?: string;
  reason?: string;
  message?: string;
  podIP?: string;
  hostIP?: string;
  startTime?: string;
  nominatedNodeName?: string;
  conditions?: Condition[];
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  qosClass?: string;
}

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: PodStatus;
}

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

/** Deployment, StatefulSet, DaemonSet, ReplicaSet, Job: the fields Causa reads. */
export interface Workload extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: LabelSelectorRequirement[] };
    template?: PodTemplate;
    progressDeadlineSeconds?: number;
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    // biome-ignore lint/suspicious/noExplicitAny: other workload fields
    [key: string]: any;
  };
  // biome-ignore lint/suspicious/noExplicitAny: status differs by kind
  status?: any;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/** core/v1 Event in wire form (events.k8s.io events are converted to this shape). */
export interface KubeEvent extends KubeObject {
  involvedObject?: {
    apiVersion?: string;
    kind?: string;
    name?: string;
    namespace?: string;
    uid?: string;
    fieldPath?: string;
  };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string } | null;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
  action?: string;
}
