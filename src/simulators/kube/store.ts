/**
 * The simulator's object store: one sorted array per resource (ordered by namespace, then name), a
 * global resourceVersion counter and a change log for watches.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../domain/k8s.js';
import { eventsV1ToCore, normalizeCoreEvent } from './events.js';
import { clone, deepEqual } from './patch.js';
import { apiVersionOf, Registry, type ResourceDef, resourceId, splitApiVersion } from './resources.js';

/** Kinds whose `metadata.generation` tracks spec changes. */
const GENERATION_KINDS = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'Ingress',
]);

const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

export interface ChangeEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  rv: number;
  resource: string;
  object: KubeObject;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}\u0000${name}`;
}

export function keyOf(obj: KubeObject): string {
  return objectKey(obj.metadata?.namespace, obj.metadata?.name ?? '');
}

/** A deterministic UUID (v4 layout) from a seed. */
export function uidFor(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  const variant = ((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Secrets never leave the simulator: keys are kept, values emptied, stringData folded into data. */
export function stripSecret(obj: KubeObject): KubeObject {
  const data: Record<string, string> = {};
  for (const src of [obj.data, obj.stringData]) {
    if (src && typeof src === 'object') for (const k of Object.keys(src)) data[k] = '';
  }
  const out: KubeObject = { ...obj };
  delete out.stringData;
  if (obj.data !== undefined || obj.stringData !== undefined) out.data = data;
  const annotations = obj.metadata?.annotations;
  if (annotations && 'kubectl.kubernetes.io/last-applied-configuration' in annotations) {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _dropped, ...rest } = annotations;
    out.metadata = { ...obj.metadata, annotations: rest };
  }
  return out;
}

/** A few of the apiserver's defaulting functions, for fields `kubectl describe` prints. */
function applyDefaults(def: ResourceDef, obj: KubeObject): void {
  if (def.group !== '' && def.group !== 'apps' && def.group !== 'batch') return;
  const podSpecs: KubeObject['spec'][] = [];
  if (def.kind === 'Pod') podSpecs.push(obj.spec);
  else if (obj.spec?.template?.spec) podSpecs.push(obj.spec.template.spec);
  else if (obj.spec?.jobTemplate?.spec?.template?.spec) podSpecs.push(obj.spec.jobTemplate.spec.template.spec);
  for (const spec of podSpecs) {
    for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
      for (const p of c?.ports ?? []) if (p && p.protocol === undefined) p.protocol = 'TCP';
    }
  }
  if (def.kind === 'Service') {
    for (const p of obj.spec?.ports ?? []) if (p && p.protocol === undefined) p.protocol = 'TCP';
  }
  if (def.kind === 'Pod' && obj.status?.podIP && obj.status.podIPs === undefined) {
    obj.status.podIPs = [{ ip: obj.status.podIP }];
  }
}

/**
 * Secondary indexes of events: `name=<involvedObject.name>` and `kind=<involvedObject.kind>` → keys,
 * so field-selector lookups do not scan every event.
 */
const INDEXED_FIELDS: Record<string, (o: KubeObject) => string[]> = {
  Event: (o) => [
    ...(o.involvedObject?.name ? [`name=${o.involvedObject.name}`] : []),
    ...(o.involvedObject?.kind ? [`kind=${o.involvedObject.kind}`] : []),
  ],
};

class ResourceTable {
  items: KubeObject[] = [];
  keys: string[] = [];
  readonly byKey = new Map<string, KubeObject>();
  readonly byField = new Map<string, Set<string>>();

  constructor(private readonly indexOf?: (o: KubeObject) => string[]) {}

  private index(key: string, obj: KubeObject, add: boolean): void {
    for (const v of this.indexOf?.(obj) ?? []) {
      let set = this.byField.get(v);
      if (add) {
        if (!set) {
          set = new Set();
          this.byField.set(v, set);
        }
        set.add(key);
      } else set?.delete(key);
    }
  }

  /** Keys whose index entry (`name=…` / `kind=…`) matches, sorted; undefined when this table has no index. */
  keysWhere(entry: string): string[] | undefined {
    if (!this.indexOf) return undefined;
    return [...(this.byField.get(entry) ?? [])].sort();
  }

  /** Index of the first key >= `key`. */
  lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  upsert(obj: KubeObject): void {
    const key = keyOf(obj);
    const i = this.lowerBound(key);
    const prev = this.byKey.get(key);
    if (prev) this.index(key, prev, false);
    this.index(key, obj, true);
    if (this.keys[i] === key) this.items[i] = obj;
    else {
      this.keys.splice(i, 0, key);
      this.items.splice(i, 0, obj);
    }
    this.byKey.set(key, obj);
  }

  remove(key: string): void {
    const prev = this.byKey.get(key);
    if (prev) this.index(key, prev, false);
    const i = this.lowerBound(key);
    if (this.keys[i] === key) {
      this.keys.splice(i, 1);
      this.items.splice(i, 1);
    }
    this.byKey.delete(key);
  }

  /** Bulk load (then sort once). */
  load(objs: KubeObject[]): void {
    const pairs = objs.map((o) => [keyOf(o), o] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.keys = pairs.map((p) => p[0]);
    this.items = pairs.map((p) => p[1]);
    for (const [k, o] of pairs) {
      this.byKey.set(k, o);
      this.index(k, o, true);
    }
  }
}

export interface WriteOptions {
  dryRun: boolean;
  fieldManager: string;
  operation: 'Update' | 'Apply' | 'Create';
  now: Date;
}

export class Store {
  readonly registry = new Registry();
  private readonly tables = new Map<string, ResourceTable>();
  private rv = 0;
  private readonly listeners = new Set<(e: ChangeEvent) => void>();
  /** Recent changes (bounded) so that watches from an older resourceVersion can replay. */
  readonly changes: ChangeEvent[] = [];
  /** The resourceVersion at load; watches from before it get 410 Expired. */
  readonly loadedRV: number;

  constructor(objects: readonly KubeObject[], now: Date) {
    const byResource = new Map<string, { def: ResourceDef; objs: KubeObject[] }>();
    let maxRV = 0;
    const loaded: { def: ResourceDef; obj: KubeObject }[] = [];
    for (const raw of objects) {
      let obj = clone(raw) as KubeObject;
      const apiVersion = String(obj.apiVersion ?? 'v1');
      const kind = String(obj.kind ?? '');
      if (splitApiVersion(apiVersion).group === 'events.k8s.io' && kind === 'Event') obj = eventsV1ToCore(obj);
      const def =
        this.registry.forObject(apiVersion, kind) ??
        this.registry.addCustom(apiVersion, kind, typeof obj.metadata?.namespace === 'string');
      obj.apiVersion = apiVersionOf(def);
      obj.kind = def.kind;
      const meta = { ...(obj.metadata ?? {}) } as NonNullable<KubeObject['metadata']>;
      if (def.namespaced && !meta.namespace) meta.namespace = 'default';
      if (!def.namespaced) delete meta.namespace;
      obj.metadata = meta;
      if (def.kind === 'Event' && def.group === '') obj = normalizeCoreEvent(obj);
      if (def.kind === 'Secret' && def.group === '') obj = stripSecret(obj);
      const rv = Number(meta.resourceVersion);
      if (Number.isInteger(rv) && rv > maxRV) maxRV = rv;
      loaded.push({ def, obj });
    }
    // Namespaces: the given ones plus every namespace an object lives in, plus the system ones.
    const nsDef = this.registry.find('', 'v1', 'namespaces') as ResourceDef;
    const haveNs = new Set(loaded.filter((l) => l.def === nsDef).map((l) => l.obj.metadata?.name));
    const wantNs = new Set(SYSTEM_NAMESPACES);
    let earliest: string | undefined;
    for (const { obj } of loaded) {
      if (obj.metadata?.namespace) wantNs.add(obj.metadata.namespace);
      const ts = obj.metadata?.creationTimestamp;
      if (typeof ts === 'string' && (earliest === undefined || Date.parse(ts) < Date.parse(earliest))) earliest = ts;
    }
    for (const name of [...wantNs].sort()) {
      if (haveNs.has(name)) continue;
      loaded.push({
        def: nsDef,
        obj: {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: {
            name,
            creationTimestamp:
              earliest ?? new Date(now.getTime() - 30 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z'),
            labels: { 'kubernetes.io/metadata.name': name },
          },
          spec: { finalizers: ['kubernetes'] },
          status: { phase: 'Active' },
        },
      });
    }
    this.rv = Math.max(maxRV, 100);
    const uidByRef = new Map<string, string>();
    for (const { def, obj } of loaded) {
      const meta = obj.metadata as NonNullable<KubeObject['metadata']>;
      if (!meta.uid) meta.uid = uidFor(`${def.group}/${def.kind}/${meta.namespace ?? ''}/${meta.name}`);
      if (!meta.resourceVersion || !/^\d+$/.test(meta.resourceVersion)) meta.resourceVersion = String(++this.rv);
      if (meta.generation === undefined && GENERATION_KINDS.has(def.kind)) meta.generation = 1;
      uidByRef.set(`${def.kind}/${meta.namespace ?? ''}/${meta.name}`, meta.uid);
      uidByRef.set(`${def.kind}//${meta.name}`, uidByRef.get(`${def.kind}//${meta.name}`) ?? meta.uid);
    }
    // Fill missing ownerReference / involvedObject uids from the referenced objects, so owner chains
    // and `kubectl describe` (which selects events by involvedObject.uid) resolve.
    for (const { def, obj } of loaded) {
      for (const ref of obj.metadata?.ownerReferences ?? []) {
        if (ref.uid) continue;
        const uid = uidByRef.get(`${ref.kind}/${obj.metadata?.namespace ?? ''}/${ref.name}`);
        if (uid) ref.uid = uid;
      }
      const io = def.kind === 'Event' && def.group === '' ? obj.involvedObject : undefined;
      if (io && !io.uid && io.kind && io.name) {
        const uid = uidByRef.get(`${io.kind}/${io.namespace ?? ''}/${io.name}`);
        if (uid) io.uid = uid;
      }
      applyDefaults(def, obj);
    }
    for (const { def, obj } of loaded) {
      const id = resourceId(def);
      const entry = byResource.get(id) ?? { def, objs: [] };
      entry.objs.push(obj);
      byResource.set(id, entry);
    }
    for (const [id, { def, objs }] of byResource) {
      const table = new ResourceTable(def.group === '' ? INDEXED_FIELDS[def.kind] : undefined);
      table.load(objs);
      this.tables.set(id, table);
    }
    this.loadedRV = this.rv;
  }

  /** The resource that actually stores `def`'s objects (events.k8s.io events live in core events). */
  storageDef(def: ResourceDef): ResourceDef {
    if (def.view === 'events.k8s.io') return this.registry.find('', 'v1', 'events') as ResourceDef;
    return def;
  }

  private table(def: ResourceDef): ResourceTable {
    const id = resourceId(this.storageDef(def));
    let t = this.tables.get(id);
    if (!t) {
      const storage = this.storageDef(def);
      t = new ResourceTable(storage.group === '' ? INDEXED_FIELDS[storage.kind] : undefined);
      this.tables.set(id, t);
    }
    return t;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Sorted references (do not mutate) for one namespace, or all when `namespace` is undefined. */
  range(def: ResourceDef, namespace: string | undefined, afterKey?: string): { items: KubeObject[] } {
    const t = this.table(def);
    let start = 0;
    let end = t.items.length;
    if (namespace !== undefined) {
      start = t.lowerBound(objectKey(namespace, ''));
      end = t.lowerBound(`${namespace}\u0001`);
    }
    if (afterKey !== undefined) start = Math.max(start, t.lowerBound(`${afterKey}\u0000`));
    return { items: t.items.slice(start, end) };
  }

  /**
   * Like `range`, but only objects with the index entry `value` (events: `name=…` or `kind=…`);
   * undefined when the resource has no index (the caller scans instead).
   */
  rangeWhere(
    def: ResourceDef,
    namespace: string | undefined,
    value: string,
    afterKey?: string,
  ): { items: KubeObject[] } | undefined {
    const t = this.table(def);
    const keys = t.keysWhere(value);
    if (!keys) return undefined;
    const prefix = namespace !== undefined ? objectKey(namespace, '') : '';
    const items: KubeObject[] = [];
    for (const k of keys) {
      if (prefix && !k.startsWith(prefix)) continue;
      if (afterKey !== undefined && k <= afterKey) continue;
      const o = t.byKey.get(k);
      if (o) items.push(o);
    }
    return { items };
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.table(def).byKey.get(objectKey(def.namespaced ? namespace : undefined, name));
  }

  /** Every stored object (copies). */
  all(): KubeObject[] {
    const out: KubeObject[] = [];
    for (const t of this.tables.values()) for (const o of t.items) out.push(clone(o));
    return out;
  }

  namespaceExists(name: string): boolean {
    return this.get(this.registry.find('', 'v1', 'namespaces') as ResourceDef, undefined, name) !== undefined;
  }

  onChange(fn: (e: ChangeEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(type: ChangeEvent['type'], def: ResourceDef, object: KubeObject): void {
    const e: ChangeEvent = { type, rv: this.rv, resource: resourceId(this.storageDef(def)), object };
    this.changes.push(e);
    if (this.changes.length > 10_000) this.changes.splice(0, this.changes.length - 10_000);
    for (const fn of this.listeners) fn(e);
  }

  /**
   * Write `next` (already validated) over `prev` (undefined = create). Returns the object as stored
   * (or as it would be stored, for dry runs). A write that changes nothing keeps the old version.
   */
  write(def: ResourceDef, prev: KubeObject | undefined, next: KubeObject, opts: WriteOptions): KubeObject {
    let obj = clone(next);
    if (def.kind === 'Secret' && def.group === '') obj = stripSecret(obj);
    const meta = { ...(obj.metadata ?? {}) } as NonNullable<KubeObject['metadata']> & Record<string, unknown>;
    obj.metadata = meta;
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    if (prev) {
      // The object's identity is the URL's, whatever the body said.
      meta.name = prev.metadata?.name as string;
      if (def.namespaced) meta.namespace = prev.metadata?.namespace as string;
      else delete meta.namespace;
    }
    if (prev) {
      const { managedFields: _a, ...prevMeta } = (prev.metadata ?? {}) as Record<string, unknown>;
      const { managedFields: _b, ...nextMeta } = meta;
      if (deepEqual({ ...prev, metadata: prevMeta }, { ...obj, metadata: nextMeta })) return prev;
      meta.uid = prev.metadata?.uid as string;
      if (prev.metadata?.creationTimestamp) meta.creationTimestamp = prev.metadata.creationTimestamp;
      if (GENERATION_KINDS.has(def.kind)) {
        const gen = prev.metadata?.generation ?? 1;
        meta.generation = deepEqual(prev.spec, obj.spec) ? gen : gen + 1;
      }
    } else {
      meta.uid = uidFor(`${def.group}/${def.kind}/${meta.namespace ?? ''}/${meta.name}/${opts.now.getTime()}`);
      meta.creationTimestamp = opts.now.toISOString().replace(/\.\d+Z$/, 'Z');
      if (GENERATION_KINDS.has(def.kind)) meta.generation = 1;
    }
    if (opts.fieldManager) {
      const time = opts.now.toISOString().replace(/\.\d+Z$/, 'Z');
      const operation = opts.operation === 'Apply' ? 'Apply' : 'Update';
      const entries = (
        Array.isArray(meta.managedFields) ? (meta.managedFields as Record<string, unknown>[]) : []
      ).filter((m) => !(m.manager === opts.fieldManager && m.operation === operation));
      entries.push({
        manager: opts.fieldManager,
        operation,
        apiVersion: apiVersionOf(def),
        time,
        fieldsType: 'FieldsV1',
        fieldsV1: {},
      });
      meta.managedFields = entries;
    }
    if (opts.dryRun) {
      meta.resourceVersion = prev?.metadata?.resourceVersion ?? '';
      return obj;
    }
    this.rv++;
    meta.resourceVersion = String(this.rv);
    this.table(def).upsert(obj);
    this.emit(prev ? 'MODIFIED' : 'ADDED', def, obj);
    return obj;
  }

  remove(def: ResourceDef, obj: KubeObject, dryRun: boolean): KubeObject {
    if (dryRun) return obj;
    this.table(def).remove(keyOf(obj));
    this.rv++;
    const gone = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv) } };
    this.emit('DELETED', def, gone);
    return gone;
  }
}
