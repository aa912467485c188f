/** Server-side printing (meta.k8s.io/v1 Table) for kubectl, following kubernetes pkg/printers/internalversion. */
import type { KubeObject } from '../../domain/k8s.js';
import type { ResourceDef } from './resources.js';

export interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean;

function col(name: string, type = 'string', priority = 0, format = ''): Column {
  return { name, type, format, description: '', priority };
}

const NAME = col('Name', 'string', 0, 'name');
const AGE = col('Age');

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function since(ts: unknown, now: Date): string {
  if (typeof ts !== 'string' || ts === '') return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now.getTime() - t);
}

function age(o: KubeObject, now: Date): string {
  return since(o.metadata?.creationTimestamp, now);
}

function orNone(v: unknown): string {
  return typeof v === 'string' && v !== '' ? v : '<none>';
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

// biome-ignore lint/suspicious/noExplicitAny: wire objects
type Any = any;

export function formatLabelSelector(sel: Any): string {
  if (!sel || typeof sel !== 'object') return '<none>';
  const parts: string[] = [];
  for (const k of Object.keys(sel.matchLabels ?? {}).sort()) parts.push(`${k}=${sel.matchLabels[k]}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

function containersAndImages(spec: Any): [string, string] {
  const cs: Any[] = spec?.template?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
}

function podStatus(pod: Any, now: Date): { ready: string; reason: string; restarts: string } {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  let restarts = 0;
  let lastRestart = 0;
  const noteRestart = (cs: Any) => {
    restarts += num(cs.restartCount);
    const fin = cs.lastState?.terminated?.finishedAt;
    if (typeof fin === 'string') lastRestart = Math.max(lastRestart, Date.parse(fin) || 0);
  };
  const total = (spec.containers ?? []).length;
  let readyCount = 0;
  let reason: string = status.reason || status.phase || 'Unknown';
  let initializing = false;
  const inits: Any[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i];
    noteRestart(c);
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    const initSpec = (spec.initContainers ?? []).find((s: Any) => s.name === c.name);
    if (initSpec?.restartPolicy === 'Always' && c.started) continue;
    if (term)
      reason = term.reason
        ? `Init:${term.reason}`
        : term.signal
          ? `Init:Signal:${term.signal}`
          : `Init:ExitCode:${term.exitCode}`;
    else if (wait?.reason && wait.reason !== 'PodInitializing') reason = `Init:${wait.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }
  if (!initializing) {
    restarts = 0;
    lastRestart = 0;
    let hasRunning = false;
    const cstats: Any[] = status.containerStatuses ?? [];
    for (let i = cstats.length - 1; i >= 0; i--) {
      const c = cstats[i];
      noteRestart(c);
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait?.reason) reason = wait.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyCount++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const readyCond = (status.conditions ?? []).find((c: Any) => c.type === 'Ready');
      reason = readyCond?.status === 'True' ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  const restartsStr =
    lastRestart > 0 ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)` : String(restarts);
  return { ready: `${readyCount}/${total}`, reason, restarts: restartsStr };
}

function nodeStatus(node: Any): string {
  const ready = (node.status?.conditions ?? []).find((c: Any) => c.type === 'Ready');
  let s = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
  if (node.spec?.unschedulable) s += ',SchedulingDisabled';
  return s;
}

function nodeRoles(node: Any): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries<string>(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

function nodeAddress(node: Any, type: string): string {
  return orNone((node.status?.addresses ?? []).find((a: Any) => a.type === type)?.address);
}

function servicePorts(svc: Any): string {
  const ports: Any[] = svc.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function eventSource(e: Any): string {
  const comp = e.source?.component || e.reportingComponent || '';
  const host = e.source?.host || e.reportingInstance || '';
  return host ? `${comp}, ${host}` : comp;
}

interface Printer {
  columns: Column[];
  row(o: Any, now: Date): Cell[];
}

const PRINTERS: Record<string, Printer> = {
  '/pods': {
    columns: [
      NAME,
      col('Ready'),
      col('Status'),
      col('Restarts'),
      AGE,
      col('IP', 'string', 1),
      col('Node', 'string', 1),
      col('Nominated Node', 'string', 1),
      col('Readiness Gates', 'string', 1),
    ],
    row(o, now) {
      const s = podStatus(o, now);
      const gates: Any[] = o.spec?.readinessGates ?? [];
      const gatesStr = gates.length
        ? `${gates.filter((g) => (o.status?.conditions ?? []).some((c: Any) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}`
        : '<none>';
      return [
        o.metadata.name,
        s.ready,
        s.reason,
        s.restarts,
        age(o, now),
        orNone(o.status?.podIP),
        orNone(o.spec?.nodeName),
        orNone(o.status?.nominatedNodeName),
        gatesStr,
      ];
    },
  },
  '/events': {
    columns: [
      col('Last Seen'),
      col('Type'),
      col('Reason'),
      col('Object'),
      col('Subobject', 'string', 1),
      col('Source', 'string', 1),
      col('Message'),
      col('First Seen', 'string', 1),
      col('Count', 'integer', 1),
      col('Name', 'string', 1),
    ],
    row(o, now) {
      let first = since(o.firstTimestamp, now);
      if (!o.firstTimestamp) first = since(o.eventTime, now);
      let last = o.lastTimestamp ? since(o.lastTimestamp, now) : first;
      let count = num(o.count);
      if (o.series) {
        last = since(o.series.lastObservedTime, now);
        count = num(o.series.count);
      } else if (count === 0) count = 1;
      const io = o.involvedObject ?? {};
      const kind = String(io.kind ?? '').toLowerCase();
      const target = io.name ? `${kind}/${io.name}` : kind;
      return [
        last,
        o.type ?? '',
        o.reason ?? '',
        target,
        io.fieldPath ?? '',
        eventSource(o),
        String(o.message ?? '').trim(),
        first,
        count,
        o.metadata.name,
      ];
    },
  },
  '/nodes': {
    columns: [
      NAME,
      col('Status'),
      col('Roles'),
      AGE,
      col('Version'),
      col('Internal-IP', 'string', 1),
      col('External-IP', 'string', 1),
      col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1),
      col('Container-Runtime', 'string', 1),
    ],
    row(o, now) {
      const info = o.status?.nodeInfo ?? {};
      return [
        o.metadata.name,
        nodeStatus(o),
        nodeRoles(o),
        age(o, now),
        info.kubeletVersion ?? '',
        nodeAddress(o, 'InternalIP'),
        nodeAddress(o, 'ExternalIP'),
        orNone(info.osImage),
        orNone(info.kernelVersion),
        orNone(info.containerRuntimeVersion),
      ];
    },
  },
  'apps/deployments': {
    columns: [
      NAME,
      col('Ready'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    row(o, now) {
      const [c, i] = containersAndImages(o.spec);
      return [
        o.metadata.name,
        `${num(o.status?.readyReplicas)}/${o.spec?.replicas ?? 1}`,
        num(o.status?.updatedReplicas),
        num(o.status?.availableReplicas),
        age(o, now),
        c,
        i,
        formatLabelSelector(o.spec?.selector),
      ];
    },
  },
  'apps/replicasets': {
    columns: [
      NAME,
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    row(o, now) {
      const [c, i] = containersAndImages(o.spec);
      return [
        o.metadata.name,
        o.spec?.replicas ?? 1,
        num(o.status?.replicas),
        num(o.status?.readyReplicas),
        age(o, now),
        c,
        i,
        formatLabelSelector(o.spec?.selector),
      ];
    },
  },
  'apps/statefulsets': {
    columns: [NAME, col('Ready'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1)],
    row(o, now) {
      const [c, i] = containersAndImages(o.spec);
      return [o.metadata.name, `${num(o.status?.readyReplicas)}/${o.spec?.replicas ?? 1}`, age(o, now), c, i];
    },
  },
  'apps/daemonsets': {
    columns: [
      NAME,
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      col('Node Selector'),
      AGE,
    ],
    row(o, now) {
      const sel = o.spec?.template?.spec?.nodeSelector ?? {};
      const selStr = Object.keys(sel).length
        ? Object.keys(sel)
            .sort()
            .map((k) => `${k}=${sel[k]}`)
            .join(',')
        : '<none>';
      const s = o.status ?? {};
      return [
        o.metadata.name,
        num(s.desiredNumberScheduled),
        num(s.currentNumberScheduled),
        num(s.numberReady),
        num(s.updatedNumberScheduled),
        num(s.numberAvailable),
        selStr,
        age(o, now),
      ];
    },
  },
  '/services': {
    columns: [
      NAME,
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      AGE,
      col('Selector', 'string', 1),
    ],
    row(o, now) {
      const ext = (o.status?.loadBalancer?.ingress ?? []).map((i: Any) => i.ip ?? i.hostname).filter(Boolean);
      const external = ext.length ? ext.join(',') : o.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>';
      const sel = o.spec?.selector ?? {};
      const selStr = Object.keys(sel).length
        ? Object.keys(sel)
            .sort()
            .map((k) => `${k}=${sel[k]}`)
            .join(',')
        : '<none>';
      return [
        o.metadata.name,
        o.spec?.type ?? 'ClusterIP',
        orNone(o.spec?.clusterIP),
        external,
        servicePorts(o),
        age(o, now),
        selStr,
      ];
    },
  },
  '/namespaces': {
    columns: [NAME, col('Status'), AGE],
    row: (o, now) => [o.metadata.name, o.status?.phase ?? 'Active', age(o, now)],
  },
  '/secrets': {
    columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
    row: (o, now) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, age(o, now)],
  },
  '/configmaps': {
    columns: [NAME, col('Data', 'integer'), AGE],
    row: (o, now) => [
      o.metadata.name,
      Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length,
      age(o, now),
    ],
  },
  '/persistentvolumeclaims': {
    columns: [NAME, col('Status'), col('Volume'), col('Capacity'), col('Access Modes'), col('StorageClass'), AGE],
    row: (o, now) => [
      o.metadata.name,
      o.status?.phase ?? 'Pending',
      o.spec?.volumeName ?? '',
      o.status?.capacity?.storage ?? '',
      (o.status?.accessModes ?? [])
        .map((m: string) =>
          m === 'ReadWriteOnce' ? 'RWO' : m === 'ReadOnlyMany' ? 'ROX' : m === 'ReadWriteMany' ? 'RWX' : 'RWOP',
        )
        .join(','),
      o.spec?.storageClassName ?? '',
      age(o, now),
    ],
  },
  'batch/jobs': {
    columns: [NAME, col('Completions'), col('Duration'), AGE],
    row(o, now) {
      const start = Date.parse(o.status?.startTime ?? '');
      const end = Date.parse(o.status?.completionTime ?? '') || now.getTime();
      return [
        o.metadata.name,
        `${num(o.status?.succeeded)}/${o.spec?.completions ?? 1}`,
        Number.isNaN(start) ? '' : humanDuration(end - start),
        age(o, now),
      ];
    },
  },
};

const GENERIC: Printer = {
  columns: [NAME, AGE],
  row: (o, now) => [o.metadata?.name ?? '', age(o, now)],
};

/** The printer for a resource; events.k8s.io events print like core events (the stored form). */
export function printerFor(def: ResourceDef): Printer {
  const key = def.view === 'events.k8s.io' ? '/events' : `${def.group}/${def.plural}`;
  return PRINTERS[key] ?? GENERIC;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function tableRow(
  printer: Printer,
  obj: KubeObject,
  served: KubeObject,
  now: Date,
  include: IncludeObject,
): object {
  const row: Record<string, unknown> = { cells: printer.row(obj, now) };
  if (include === 'Object') row.object = served;
  else if (include === 'Metadata') {
    row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  }
  return row;
}

/** Does the Accept header ask for a meta.k8s.io Table? */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && !params.some((p) => p.startsWith('g=') && p !== 'g=meta.k8s.io');
  });
}
