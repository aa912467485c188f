import type { Ev } from '../domain/facts.js';
import type { KubeEvent } from '../domain/k8s.js';

function iso(value: unknown): string | null {
  if (!value) return null;
  if (value instanceof Date) return value.toISOString();
  const s = String(value);
  return Number.isNaN(Date.parse(s)) ? null : s;
}

/** core/v1 (or events.k8s.io/v1) event in wire form → Ev. Time = coalesce(series, last, eventTime, created). */
export function normalizeEvent(e: KubeEvent): Ev {
  const io = e.involvedObject ?? e.regarding ?? {};
  const fieldPath: string | null = io.fieldPath || null;
  const m = fieldPath ? /^spec\.(initContainers|containers|ephemeralContainers)\{([^}]+)\}/.exec(fieldPath) : null;
  const last =
    iso(e.series?.lastObservedTime) ??
    iso(e.lastTimestamp) ??
    iso(e.deprecatedLastTimestamp) ??
    iso(e.eventTime) ??
    iso(e.metadata?.creationTimestamp) ??
    new Date(0).toISOString();
  const first = iso(e.firstTimestamp) ?? iso(e.deprecatedFirstTimestamp) ?? iso(e.eventTime) ?? null;
  return {
    namespace: e.metadata?.namespace ?? '',
    name: e.metadata?.name ?? '',
    kind: io.kind ?? '',
    object: io.name ?? '',
    objectNamespace: io.namespace || null,
    fieldPath,
    container: m?.[2] ?? null,
    init: m?.[1] === 'initContainers',
    reason: e.reason ?? '',
    type: e.type ?? 'Normal',
    message: String(e.message ?? e.note ?? '').trim(),
    count: e.series?.count ?? e.count ?? e.deprecatedCount ?? 1,
    first,
    last,
    source: e.source?.component || e.reportingComponent || e.reportingController || '',
    host: e.source?.host || null,
  };
}

export function eventKey(e: Ev): string {
  return `${e.namespace}/${e.name}`;
}

export function mergeEvents(a: readonly Ev[], b: readonly Ev[]): Ev[] {
  const out = new Map<string, Ev>();
  for (const e of a) out.set(eventKey(e), e);
  for (const e of b) out.set(eventKey(e), e);
  return [...out.values()].sort((x, y) => x.last.localeCompare(y.last) || x.name.localeCompare(y.name));
}
