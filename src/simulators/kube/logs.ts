/** Pod log reads (`GET .../pods/{name}/log`) with kubelet semantics for the usual query parameters. */
import type { KubeObject } from '../../domain/k8s.js';
import type { Scenario } from '../../scenario/schema.js';
import { errors } from './status.js';

const LEADING_TS = /^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2}))(?=\s|$)/;

/** Containers that never started answer "is waiting to start" instead of an empty log. */
const NEVER_STARTED = new Set([
  'ContainerCreating',
  'PodInitializing',
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

export interface LogQuery {
  container?: string;
  previous: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
  timestamps: boolean;
}

function intParam(q: URLSearchParams, name: string, min: number): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw errors.badRequest(`strconv.ParseInt: parsing "${raw}": invalid syntax`);
  const n = Number(raw);
  if (n < min) {
    throw errors.badRequest(
      `PodLogOptions "" is invalid: ${name}: Invalid value: ${n}: must be greater than ${min === 0 ? 'or equal to 0' : '0'}`,
    );
  }
  return n;
}

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

export function parseLogQuery(q: URLSearchParams): LogQuery {
  const out: LogQuery = { previous: boolParam(q, 'previous'), timestamps: boolParam(q, 'timestamps') };
  const container = q.get('container');
  if (container) out.container = container;
  const tail = intParam(q, 'tailLines', 0);
  if (tail !== undefined) out.tailLines = tail;
  const since = intParam(q, 'sinceSeconds', 1);
  if (since !== undefined) out.sinceSeconds = since;
  const limit = intParam(q, 'limitBytes', 1);
  if (limit !== undefined) out.limitBytes = limit;
  const sinceTime = q.get('sinceTime');
  if (sinceTime) out.sinceTime = sinceTime;
  return out;
}

/** RFC3339Nano in UTC with trailing zeros trimmed, as kubelet prefixes lines with `timestamps=true`. */
function rfc3339Nano(ms: number, nanosFraction?: string): string {
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = (nanosFraction ?? '').replace(/0+$/, '');
  return `${base}${frac ? `.${frac}` : ''}Z`;
}

interface Line {
  text: string;
  ms: number | undefined;
  frac: string | undefined;
}

function splitLines(text: string): Line[] {
  if (text === '') return [];
  const raw = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  let lastMs: number | undefined;
  let lastFrac: string | undefined;
  return raw.map((t) => {
    const m = LEADING_TS.exec(t);
    if (m?.[1]) {
      const parsed = Date.parse(m[1]);
      if (!Number.isNaN(parsed)) {
        lastMs = parsed;
        lastFrac = /\.(\d+)/.exec(m[1])?.[1]?.padEnd(9, '0');
      }
    }
    return { text: t, ms: lastMs, frac: lastFrac };
  });
}

/** The log text for one pod/container (throws ApiError for the apiserver's 400s). */
export function readLog(scenario: Scenario, pod: KubeObject, q: LogQuery, now: Date): string {
  const podName = pod.metadata?.name ?? '';
  const ns = pod.metadata?.namespace ?? '';
  const containers: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
  const inits: string[] = (pod.spec?.initContainers ?? []).map((c: { name: string }) => c.name);
  const ephemeral: string[] = (pod.spec?.ephemeralContainers ?? []).map((c: { name: string }) => c.name);
  let container = q.container;
  if (!container) {
    if (containers.length === 1) container = containers[0] as string;
    else {
      const initPart = inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : '';
      throw errors.badRequest(
        `a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]${initPart}`,
      );
    }
  }
  if (![...containers, ...inits, ...ephemeral].includes(container)) {
    throw errors.badRequest(`container ${container} is not valid for pod ${podName}`);
  }
  const entry = scenario.logs.find(
    (l) => l.namespace === ns && l.pod === podName && l.container === container && l.previous === q.previous,
  );
  if (!entry) {
    if (q.previous)
      throw errors.badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
    const status = statuses.find((s: { name: string }) => s.name === container);
    const waiting = status?.state?.waiting?.reason;
    if (waiting && NEVER_STARTED.has(waiting) && !status?.lastState?.terminated) {
      throw errors.badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${waiting}`);
    }
    return '';
  }
  let lines = splitLines(entry.text);
  let sinceMs: number | undefined;
  if (q.sinceSeconds !== undefined) sinceMs = now.getTime() - q.sinceSeconds * 1000;
  else if (q.sinceTime !== undefined) {
    const t = Date.parse(q.sinceTime);
    if (Number.isNaN(t))
      throw errors.badRequest(`parsing time "${q.sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
    sinceMs = t;
  }
  if (sinceMs !== undefined) {
    const cutoff = sinceMs;
    lines = lines.filter((l) => l.ms === undefined || l.ms >= cutoff);
  }
  if (q.tailLines !== undefined) lines = q.tailLines === 0 ? [] : lines.slice(-q.tailLines);
  const fallbackMs = Date.parse(pod.status?.startTime ?? '') || now.getTime();
  let out = lines
    .map((l) => (q.timestamps ? `${rfc3339Nano(l.ms ?? fallbackMs, l.frac)} ${l.text}\n` : `${l.text}\n`))
    .join('');
  if (q.limitBytes !== undefined) {
    const buf = Buffer.from(out, 'utf8');
    if (buf.length > q.limitBytes) out = buf.subarray(0, q.limitBytes).toString('utf8');
  }
  return out;
}
