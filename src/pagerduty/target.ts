/**
 * Which Kubernetes object an incident is about (interface.md §5). Pure. First hit wins, in this order:
 *
 * 1. `details`      — flat labels in an alert's `body.details` (Events v2 `custom_details`, e.g. operator-written
 *                     `namespace: '{{ .CommonLabels.namespace }}'`);
 * 2. `cef`          — the same in `body.cef_details.details`;
 * 3. `alertmanager` — the labels of Alertmanager's `firing` detail: the text blob of Alertmanager < 0.30
 *                     (`Labels:\n - alertname = …\n - namespace = …`) or the JSON array of alerts of ≥ 0.30;
 * 4. `title`        — a kubectl-style `kind/name` in the incident title (`CrashLoopBackOff deploy/checkout-api`).
 *
 * Label keys, best first: `deployment`, `statefulset`, `daemonset`, `job_name`/`job`, `cronjob`, `pod`, `node`,
 * `service`. Prometheus attaches its scrape `job` label to every series, so in Alertmanager labels only `job_name`
 * (kube-state-metrics' spelling) names a Job, and in flat details `job` does only without an `instance` label. When Prometheus did not honour
 * the exporter's labels the object's labels are `exported_*` (`exported_namespace`, `exported_pod`…); those win.
 *
 * The namespace comes from the same labels, else the route's, else `default`; a title target takes the namespace of
 * a `namespace/kind/name` title token, else any alert's `namespace` label, else the route's, else `default`. Nodes are
 * cluster-scoped (namespace '').
 * `context` is the route's `cluster` (a cluster name from the config, which maps it to a kubeconfig context).
 */
import type { TargetKind } from '../domain/facts.js';
import { parseKind, parseTargetRef } from '../engine/kinds.js';
import type { Alert } from './schemas.js';

export type TargetSource = 'details' | 'cef' | 'alertmanager' | 'title';

export interface ResolvedTarget {
  kind: TargetKind;
  name: string;
  namespace: string;
  context?: string;
  source: TargetSource;
}

export interface RouteDefaults {
  namespace?: string | undefined;
  cluster?: string | undefined;
}

type Labels = Record<string, string>;

/** Label keys naming the object, best first, with the kind each names. */
const LABEL_KINDS: readonly (readonly [string, TargetKind])[] = [
  ['deployment', 'Deployment'],
  ['statefulset', 'StatefulSet'],
  ['daemonset', 'DaemonSet'],
  ['job_name', 'Job'],
  ['job', 'Job'],
  ['cronjob', 'CronJob'],
  ['pod', 'Pod'],
  ['node', 'Node'],
  ['service', 'Service'],
];

const NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const EMPTY_VALUES = new Set(['', '<no value>', 'null', 'undefined', 'none']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** String-valued entries of an object, keys lower-cased, values trimmed, empty template output dropped. */
function toLabels(obj: Record<string, unknown>): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string') continue;
    const value = v.trim();
    if (EMPTY_VALUES.has(value.toLowerCase())) continue;
    out[k.toLowerCase()] = value;
  }
  return out;
}

function fromLabels(raw: Labels, route: RouteDefaults, source: TargetSource): ResolvedTarget | null {
  // Prefer the object's own labels when Prometheus renamed them (honor_labels: false).
  const labels: Labels = { ...raw };
  if (raw.exported_namespace !== undefined) {
    for (const [k, v] of Object.entries(raw)) if (k.startsWith('exported_')) labels[k.slice('exported_'.length)] = v;
  }
  for (const [key, kind] of LABEL_KINDS) {
    const name = labels[key];
    if (name === undefined || !NAME.test(name)) continue;
    // Prometheus's scrape `job`, not a Kubernetes Job: always so in Alertmanager labels (kube-state-metrics says
    // `job_name`), and in flat details when the Prometheus target labels came along.
    if (key === 'job' && (source === 'alertmanager' || labels.instance !== undefined)) continue;
    return build(kind, name, labels.namespace, route, source);
  }
  return null;
}

function build(
  kind: TargetKind,
  name: string,
  namespace: string | undefined,
  route: RouteDefaults,
  source: TargetSource,
): ResolvedTarget {
  const ns =
    kind === 'Node'
      ? ''
      : namespace !== undefined && NAMESPACE.test(namespace)
        ? namespace
        : route.namespace !== undefined && route.namespace !== ''
          ? route.namespace
          : 'default';
  const target: ResolvedTarget = { kind, name, namespace: ns, source };
  if (route.cluster !== undefined && route.cluster !== '') target.context = route.cluster;
  return target;
}

/** Label sets of Alertmanager's `firing` detail, in order; both the < 0.30 text and the ≥ 0.30 array forms. */
export function firingLabelSets(firing: unknown): Labels[] {
  let value = firing;
  if (typeof value === 'string' && /^\s*\[/.test(value)) {
    try {
      value = JSON.parse(value);
    } catch {
      // not JSON: fall through to the text form
    }
  }
  if (Array.isArray(value)) {
    const sets: Labels[] = [];
    for (const alert of value) {
      if (isRecord(alert) && isRecord(alert.labels)) sets.push(toLabels(alert.labels));
    }
    return sets;
  }
  if (typeof value === 'string') return parseFiringText(value);
  return [];
}

/**
 * Alertmanager's default `__text_alert_list`: for each alert `Labels:`, ` - name = value` lines, `Annotations:`,
 * ` - name = value` lines, `Source: url`.
 */
function parseFiringText(text: string): Labels[] {
  const sets: Labels[] = [];
  let current: Labels | null = null;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === 'Labels:') {
      current = {};
      sets.push(current);
      continue;
    }
    if (trimmed === 'Annotations:' || trimmed.startsWith('Source:')) {
      current = null;
      continue;
    }
    if (current === null) continue;
    const m = /^-\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(trimmed);
    if (!m) continue;
    const value = m[2]!.trim();
    if (!EMPTY_VALUES.has(value.toLowerCase())) current[m[1]!.toLowerCase()] = value;
  }
  return sets.filter((s) => Object.keys(s).length > 0);
}

/** Triggered alerts first (stable), so a resolved alert of a grouped incident does not pick the target. */
function ordered(alerts: readonly Alert[]): Alert[] {
  const rank = (a: Alert) => (a.status === 'resolved' ? 1 : 0);
  return [...alerts].sort((a, b) => rank(a) - rank(b));
}

/** A custom-details value as an object (a JSON string is decoded). */
function detailsObject(details: unknown): Record<string, unknown> | null {
  if (isRecord(details)) return details;
  if (typeof details === 'string' && /^\s*\{/.test(details)) {
    try {
      const parsed: unknown = JSON.parse(details);
      return isRecord(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** The first `kind/name` (kubectl spellings) in a title; `namespace/kind/name` also gives the namespace. */
export function targetInTitle(title: string): { kind: TargetKind; name: string; namespace?: string } | null {
  for (const raw of title.split(/\s+/)) {
    const token = raw.replace(/^[\s([{<"'`]+|[\s)\]}>"'`,;:!?]+$/g, '').replace(/\.$/, '');
    if (!token.includes('/')) continue;
    const ref = parseTargetRef(token);
    if (ref) return ref;
    const parts = token.split('/');
    if (parts.length === 3 && NAMESPACE.test(parts[0]!) && parseKind(parts[1]!)) {
      const inner = parseTargetRef(`${parts[1]}/${parts[2]}`);
      if (inner) return { ...inner, namespace: parts[0]! };
    }
  }
  return null;
}

/** interface.md §5 target resolution; null when nothing names an object. */
export function resolveTarget(alerts: Alert[], incidentTitle: string, route: RouteDefaults): ResolvedTarget | null {
  const list = ordered(alerts);

  for (const alert of list) {
    const details = detailsObject(alert.body?.details);
    const hit = details ? fromLabels(toLabels(details), route, 'details') : null;
    if (hit) return hit;
  }
  for (const alert of list) {
    const details = detailsObject(alert.body?.cef_details?.details);
    const hit = details ? fromLabels(toLabels(details), route, 'cef') : null;
    if (hit) return hit;
  }
  for (const alert of list) {
    for (const source of [alert.body?.details, alert.body?.cef_details?.details]) {
      const details = detailsObject(source);
      // custom_details may be the raw `firing` text itself when an operator set `details: '{{ template … }}'`.
      const firing = details ? details.firing : typeof source === 'string' ? source : undefined;
      for (const labels of firingLabelSets(firing)) {
        const hit = fromLabels(labels, route, 'alertmanager');
        if (hit) return hit;
      }
    }
  }
  const inTitle = targetInTitle(incidentTitle);
  if (inTitle) return build(inTitle.kind, inTitle.name, inTitle.namespace ?? alertNamespace(list), route, 'title');
  return null;
}

/** The first valid `namespace` label any alert carries (for a target named only by the title). */
function alertNamespace(alerts: readonly Alert[]): string | undefined {
  for (const alert of alerts) {
    for (const source of [alert.body?.details, alert.body?.cef_details?.details]) {
      const details = detailsObject(source);
      const sets = details ? [toLabels(details), ...firingLabelSets(details.firing)] : firingLabelSets(source);
      for (const labels of sets) {
        const ns = labels.exported_namespace ?? labels.namespace;
        if (ns !== undefined && NAMESPACE.test(ns)) return ns;
      }
    }
  }
  return undefined;
}
