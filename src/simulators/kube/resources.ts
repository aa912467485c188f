/**
 * The resource registry: which plural lives in which group/version, its kind, scope, short names and
 * the field-selector fields the real apiserver supports for it.
 */
import type { KubeObject } from '../../domain/k8s.js';

export type FieldGetter = (obj: KubeObject) => string;

export interface ResourceDef {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Field-selector fields beyond metadata.name / metadata.namespace. */
  fields: Record<string, FieldGetter>;
  /** Built-in types accept strategic merge patch; custom resources answer 415. */
  builtin: boolean;
  /** `events.k8s.io` events are a read-only view of the stored core/v1 events. */
  view?: 'events.k8s.io';
  /** Subresources served (`log`, `status`, `scale`). */
  subresources: string[];
}

/** Read a dotted path as the string the apiserver compares in field selectors. */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return '';
}

function boolField(path: string): FieldGetter {
  return (o) => (fieldValue(o, path) === 'true' ? 'true' : 'false');
}

function pathFields(paths: string[]): Record<string, FieldGetter> {
  const out: Record<string, FieldGetter> = {};
  for (const p of paths) out[p] = (o) => fieldValue(o, p);
  return out;
}

const REF_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

const CORE_EVENT_FIELDS: Record<string, FieldGetter> = {
  ...pathFields(REF_FIELDS.map((f) => `involvedObject.${f}`)),
  ...pathFields(['reason', 'reportingComponent', 'type']),
  source: (o) => fieldValue(o, 'source.component'),
};

/** events.k8s.io field names, read from the stored core/v1 form. */
const EVENTS_V1_FIELDS: Record<string, FieldGetter> = {
  reason: (o) => fieldValue(o, 'reason'),
  type: (o) => fieldValue(o, 'type'),
  reportingController: (o) => fieldValue(o, 'reportingComponent'),
  source: (o) => fieldValue(o, 'source.component'),
};
for (const f of REF_FIELDS) EVENTS_V1_FIELDS[`regarding.${f}`] = (o) => fieldValue(o, `involvedObject.${f}`);

const POD_FIELDS: Record<string, FieldGetter> = {
  ...pathFields([
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ]),
  'spec.hostNetwork': boolField('spec.hostNetwork'),
  'status.podIPs': (o) =>
    Array.isArray(o.status?.podIPs)
      ? (o.status.podIPs as { ip?: string }[])
          .map((p) => p.ip ?? '')
          .filter(Boolean)
          .join(',')
      : '',
};

interface Spec {
  plural: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  all?: boolean;
  fields?: Record<string, FieldGetter>;
  view?: 'events.k8s.io';
  subresources?: string[];
}

const BUILTIN: Record<string, Spec[]> = {
  v1: [
    {
      plural: 'pods',
      kind: 'Pod',
      shortNames: ['po'],
      all: true,
      fields: POD_FIELDS,
      subresources: ['log', 'status'],
    },
    { plural: 'events', kind: 'Event', shortNames: ['ev'], fields: CORE_EVENT_FIELDS },
    {
      plural: 'nodes',
      kind: 'Node',
      namespaced: false,
      shortNames: ['no'],
      fields: { 'spec.unschedulable': boolField('spec.unschedulable') },
      subresources: ['status'],
    },
    {
      plural: 'namespaces',
      kind: 'Namespace',
      namespaced: false,
      shortNames: ['ns'],
      fields: pathFields(['status.phase']),
      subresources: ['status'],
    },
    {
      plural: 'services',
      kind: 'Service',
      shortNames: ['svc'],
      all: true,
      fields: pathFields(['spec.clusterIP', 'spec.type']),
      subresources: ['status'],
    },
    { plural: 'endpoints', kind: 'Endpoints', shortNames: ['ep'] },
    { plural: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] },
    { plural: 'secrets', kind: 'Secret', fields: pathFields(['type']) },
    { plural: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'] },
    {
      plural: 'persistentvolumeclaims',
      kind: 'PersistentVolumeClaim',
      shortNames: ['pvc'],
      subresources: ['status'],
    },
    {
      plural: 'persistentvolumes',
      kind: 'PersistentVolume',
      namespaced: false,
      shortNames: ['pv'],
      subresources: ['status'],
    },
    { plural: 'resourcequotas', kind: 'ResourceQuota', shortNames: ['quota'], subresources: ['status'] },
    { plural: 'limitranges', kind: 'LimitRange', shortNames: ['limits'] },
  ],
  'apps/v1': [
    { plural: 'deployments', kind: 'Deployment', shortNames: ['deploy'], all: true, subresources: ['scale', 'status'] },
    {
      plural: 'replicasets',
      kind: 'ReplicaSet',
      shortNames: ['rs'],
      all: true,
      fields: { 'status.replicas': (o) => fieldValue(o, 'status.replicas') || '0' },
      subresources: ['scale', 'status'],
    },
    { plural: 'statefulsets', kind: 'StatefulSet', shortNames: ['sts'], all: true, subresources: ['scale', 'status'] },
    { plural: 'daemonsets', kind: 'DaemonSet', shortNames: ['ds'], all: true, subresources: ['status'] },
    { plural: 'controllerrevisions', kind: 'ControllerRevision' },
  ],
  'batch/v1': [
    {
      plural: 'jobs',
      kind: 'Job',
      all: true,
      fields: { 'status.successful': (o) => fieldValue(o, 'status.successful') || '0' },
      subresources: ['status'],
    },
    { plural: 'cronjobs', kind: 'CronJob', shortNames: ['cj'], all: true, subresources: ['status'] },
  ],
  'autoscaling/v2': [
    { plural: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', shortNames: ['hpa'], all: true },
  ],
  'policy/v1': [
    { plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', shortNames: ['pdb'], subresources: ['status'] },
  ],
  'storage.k8s.io/v1': [
    { plural: 'storageclasses', kind: 'StorageClass', namespaced: false, shortNames: ['sc'] },
    { plural: 'volumeattachments', kind: 'VolumeAttachment', namespaced: false },
    { plural: 'csidrivers', kind: 'CSIDriver', namespaced: false },
  ],
  'discovery.k8s.io/v1': [{ plural: 'endpointslices', kind: 'EndpointSlice' }],
  'events.k8s.io/v1': [
    { plural: 'events', kind: 'Event', shortNames: ['ev'], view: 'events.k8s.io', fields: EVENTS_V1_FIELDS },
  ],
  'networking.k8s.io/v1': [
    { plural: 'networkpolicies', kind: 'NetworkPolicy', shortNames: ['netpol'] },
    { plural: 'ingresses', kind: 'Ingress', shortNames: ['ing'] },
    { plural: 'ingressclasses', kind: 'IngressClass', namespaced: false },
  ],
  'coordination.k8s.io/v1': [{ plural: 'leases', kind: 'Lease' }],
  'scheduling.k8s.io/v1': [{ plural: 'priorityclasses', kind: 'PriorityClass', namespaced: false, shortNames: ['pc'] }],
};

/** Guess the plural of a custom kind the way most CRDs are named. */
export function guessPlural(kind: string): string {
  const k = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function apiVersionOf(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** `pods`, `deployments.apps`, `leases.coordination.k8s.io`: the name used in Status messages. */
export function qualifiedResource(def: ResourceDef): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}

export function resourceId(def: { group: string; plural: string }): string {
  return `${def.group}/${def.plural}`;
}

export class Registry {
  readonly defs: ResourceDef[] = [];
  /** group/version strings in discovery order. */
  readonly groupVersions: string[] = [];

  constructor() {
    for (const [gv, specs] of Object.entries(BUILTIN)) {
      const { group, version } = splitApiVersion(gv);
      this.groupVersions.push(gv);
      for (const s of specs) {
        this.defs.push({
          group,
          version,
          plural: s.plural,
          singular: s.kind.toLowerCase(),
          kind: s.kind,
          namespaced: s.namespaced ?? true,
          shortNames: s.shortNames ?? [],
          categories: s.all ? ['all'] : [],
          fields: s.fields ?? {},
          builtin: true,
          ...(s.view ? { view: s.view } : {}),
          subresources: s.subresources ?? [],
        });
      }
    }
  }

  find(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.defs.find((d) => d.group === group && d.version === version && d.plural === plural);
  }

  inGroupVersion(group: string, version: string): ResourceDef[] {
    return this.defs.filter((d) => d.group === group && d.version === version);
  }

  /** The stored (non-view) resource for an object, matched on group + kind (any version). */
  forObject(apiVersion: string, kind: string): ResourceDef | undefined {
    const { group } = splitApiVersion(apiVersion);
    const storedGroup = group === 'events.k8s.io' && kind === 'Event' ? '' : group;
    return this.defs.find((d) => d.group === storedGroup && d.kind === kind && !d.view);
  }

  /** Register a custom resource for an object of an unknown kind (served read/write, no strategic merge). */
  addCustom(apiVersion: string, kind: string, namespaced: boolean): ResourceDef {
    const { group, version } = splitApiVersion(apiVersion);
    const def: ResourceDef = {
      group,
      version,
      plural: guessPlural(kind),
      singular: kind.toLowerCase(),
      kind,
      namespaced,
      shortNames: [],
      categories: [],
      fields: {},
      builtin: false,
      subresources: ['status'],
    };
    this.defs.push(def);
    if (!this.groupVersions.includes(apiVersion)) this.groupVersions.push(apiVersion);
    return def;
  }
}
