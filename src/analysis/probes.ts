/** Probe failures and probe kills parsed from kubelet events, and probe spec helpers (pure). */
import type { Ev, Facts } from '../domain/facts.js';
import type { Container, Probe } from '../domain/k8s.js';
import type { Fix } from '../domain/result.js';
import { declaredPorts, resolvePort, templateContainer } from './containers.js';
import { containerPatch, roundUp, workloadFix } from './format.js';
import { human } from './time.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
/**
 * How a probe failed. `unhealthy`: the endpoint answered that it is not healthy without an HTTP code
 * (gRPC health `NOT_SERVING` / `SERVICE_UNKNOWN`): the app's own verdict, like an HTTP 5xx.
 */
export type ProbeMode = 'timeout' | 'refused' | 'status' | 'unhealthy' | 'reset' | 'exec' | 'errored' | 'other';

export interface ProbeFailure {
  pod: string;
  namespace: string;
  container: string | null;
  probe: ProbeKind;
  mode: ProbeMode;
  /** HTTP status code for `status`. */
  status: number | null;
  /** gRPC health status for `unhealthy` (`NOT_SERVING`). */
  grpcStatus: string | null;
  url: string | null;
  host: string | null;
  port: number | null;
  path: string | null;
  /** Exec probe output (or the unparsed body). */
  output: string | null;
  message: string;
  count: number;
  first: string;
  last: string;
  ev: Ev;
}

export interface ProbeKill {
  pod: string;
  namespace: string;
  container: string | null;
  probe: 'liveness' | 'startup';
  count: number;
  first: string;
  last: string;
  ev: Ev;
}

export function stripCombined(message: string): string {
  return message.replace(/^\(combined from similar events\):\s*/, '');
}

function evTime(ev: Ev): string {
  return ev.first ?? ev.last;
}

/** Parse an `Unhealthy` event (`Liveness probe failed: …`); null for anything else. */
export function parseProbeEvent(ev: Ev): ProbeFailure | null {
  if (ev.reason !== 'Unhealthy') return null;
  const msg = stripCombined(ev.message);
  const m =
    /^(Liveness|Readiness|Startup) probe (failed|errored)(?: and resulted in unknown state)?:\s*([\s\S]*)$/.exec(msg);
  if (!m) return null;
  const probe = m[1]!.toLowerCase() as ProbeKind;
  const body = m[3]!.trim();
  let mode: ProbeMode = 'other';
  let status: number | null = null;
  const sm = /statuscode:\s*(\d{3})/.exec(body);
  // kubelet's gRPC prober: `service unhealthy (responded with "NOT_SERVING")`,
  // `timeout: health rpc did not complete within 1s`, `timeout: failed to connect service ":9090" within 1s: …`,
  // `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): …`.
  const gm = /^service unhealthy \(responded with "?([A-Z_]+)"?\)/.exec(body);
  const grpcStatus = gm ? gm[1]! : null;
  if (m[2] === 'errored') mode = 'errored';
  else if (sm) {
    mode = 'status';
    status = Number(sm[1]);
  } else if (gm) mode = 'unhealthy';
  else if (/context deadline exceeded|Client\.Timeout|i\/o timeout|timed out|timeout/i.test(body)) mode = 'timeout';
  else if (/connection refused/i.test(body)) mode = 'refused';
  else if (/connection reset|EOF|broken pipe/i.test(body)) mode = 'reset';
  else if (/^error: (this server does not implement the grpc health protocol|health rpc probe failed)/i.test(body))
    mode = 'other';
  else if (!/^(Get|Head|Post) "|dial tcp/.test(body)) mode = 'exec';
  let url: string | null = null;
  let host: string | null = null;
  let port: number | null = null;
  let path: string | null = null;
  const um = /(?:Get|Head|Post) "([^"]+)"/.exec(body);
  if (um) {
    url = um[1]!;
    try {
      const u = new URL(url);
      host = u.hostname;
      port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
      path = u.pathname;
    } catch {
      url = um[1]!;
    }
  }
  const dm = /dial tcp \[?([0-9a-fA-F.:]+?)\]?:(\d+)/.exec(body);
  if (dm && port === null) {
    host = dm[1]!;
    port = Number(dm[2]);
  }
  return {
    pod: ev.object,
    namespace: ev.objectNamespace ?? ev.namespace,
    container: ev.container,
    probe,
    mode,
    status,
    grpcStatus,
    url,
    host,
    port,
    path,
    output: mode === 'exec' || mode === 'other' || mode === 'errored' ? body : null,
    message: msg,
    count: ev.count,
    first: evTime(ev),
    last: ev.last,
    ev,
  };
}

/** The probed endpoint answered that it is unhealthy (HTTP 5xx, gRPC NOT_SERVING): the app's own verdict. */
export function answeredUnhealthy(f: ProbeFailure): boolean {
  return (f.mode === 'status' && (f.status ?? 0) >= 500) || f.mode === 'unhealthy';
}

/** `HTTP 503` / `NOT_SERVING` for an unhealthy answer. */
export function answerLabel(f: ProbeFailure): string {
  return f.mode === 'status' ? `HTTP ${f.status}` : (f.grpcStatus ?? 'unhealthy');
}

/** Parse a kubelet `Killing` event caused by a probe (`Container api failed liveness probe, will be restarted`). */
export function parseProbeKill(ev: Ev): ProbeKill | null {
  if (ev.reason !== 'Killing') return null;
  const m = /Container (\S+) failed (liveness|startup) probe/.exec(ev.message);
  if (!m) return null;
  return {
    pod: ev.object,
    namespace: ev.objectNamespace ?? ev.namespace,
    container: ev.container ?? m[1]!,
    probe: m[2] as 'liveness' | 'startup',
    count: ev.count,
    first: evTime(ev),
    last: ev.last,
    ev,
  };
}

export function probeOf(c: Container | null | undefined, kind: ProbeKind): Probe | undefined {
  if (!c) return undefined;
  return kind === 'liveness' ? c.livenessProbe : kind === 'readiness' ? c.readinessProbe : c.startupProbe;
}

export interface ProbeSettings {
  initialDelaySeconds: number;
  timeoutSeconds: number;
  periodSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}

/** Effective settings with Kubernetes defaults (timeout 1 s, period 10 s, threshold 3). */
export function probeSettings(p: Probe): ProbeSettings {
  return {
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    timeoutSeconds: p.timeoutSeconds ?? 1,
    periodSeconds: p.periodSeconds ?? 10,
    failureThreshold: p.failureThreshold ?? 3,
    successThreshold: p.successThreshold ?? 1,
  };
}

export interface ProbeTarget {
  kind: 'http' | 'tcp' | 'exec' | 'grpc' | 'none';
  port: number | null;
  /** The port as written (`8080` or a name). */
  rawPort: number | string | null;
  path: string | null;
  /** Does the container declare the probed port? null when the container declares no ports or the probe has none. */
  portDeclared: boolean | null;
  command: string[] | null;
}

export function probeTarget(p: Probe | undefined, c: Container | null | undefined): ProbeTarget {
  const declared = declaredPorts(c);
  const check = (port: number | null) =>
    port === null || declared.length === 0 ? null : declared.some((d) => d.port === port);
  if (p?.httpGet) {
    const port = resolvePort(p.httpGet.port, c);
    return {
      kind: 'http',
      port,
      rawPort: p.httpGet.port ?? null,
      path: p.httpGet.path ?? '/',
      portDeclared: check(port),
      command: null,
    };
  }
  if (p?.tcpSocket) {
    const port = resolvePort(p.tcpSocket.port, c);
    return {
      kind: 'tcp',
      port,
      rawPort: p.tcpSocket.port ?? null,
      path: null,
      portDeclared: check(port),
      command: null,
    };
  }
  if (p?.grpc) {
    const port = p.grpc.port ?? null;
    return { kind: 'grpc', port, rawPort: port, path: null, portDeclared: check(port), command: null };
  }
  if (p?.exec)
    return { kind: 'exec', port: null, rawPort: null, path: null, portDeclared: null, command: p.exec.command ?? [] };
  return { kind: 'none', port: null, rawPort: null, path: null, portDeclared: null, command: null };
}

/** Short description of a failure mode: `timeouts`, `connection refused`, `HTTP 503`. */
export function describeMode(failures: readonly ProbeFailure[]): string {
  const modes = new Map<string, number>();
  for (const f of failures) {
    const key =
      f.mode === 'status'
        ? `HTTP ${f.status}`
        : f.mode === 'unhealthy'
          ? (f.grpcStatus ?? 'unhealthy')
          : f.mode === 'timeout'
            ? 'timeouts'
            : f.mode === 'refused'
              ? 'connection refused'
              : f.mode === 'reset'
                ? 'connection reset'
                : f.mode === 'exec'
                  ? 'command failed'
                  : f.mode;
    modes.set(key, (modes.get(key) ?? 0) + f.count);
  }
  return [...modes.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k]) => k)
    .join(', ');
}

export interface FailureGroup {
  pods: string[];
  containers: string[];
  count: number;
  first: string | null;
  last: string | null;
}

/** Pods, containers, total count and time span of a set of probe failures or kills. */
export function group(
  items: readonly { pod: string; container: string | null; count: number; first: string; last: string }[],
): FailureGroup {
  const firsts = items.map((i) => i.first).sort((a, b) => Date.parse(a) - Date.parse(b));
  const lasts = items.map((i) => i.last).sort((a, b) => Date.parse(b) - Date.parse(a));
  return {
    pods: [...new Set(items.map((i) => i.pod))].sort(),
    containers: [...new Set(items.map((i) => i.container).filter((c): c is string => c !== null))].sort(),
    count: items.reduce((n, i) => n + i.count, 0),
    first: firsts[0] ?? null,
    last: lasts[0] ?? null,
  };
}

/**
 * Liveness probe fix for a slow dependency, per container (only raises values, caps 30 s / 60 s):
 * timeouts → timeoutSeconds = max(10, ⌈2.5 × measured⌉₅), initialDelaySeconds = max(15, ⌈timeout + measured⌉₅)
 * (floors when nothing was measured); fast 5xx → failureThreshold covering 1.5 × the observed outage.
 */
export function livenessFix(
  facts: Facts,
  names: readonly string[],
  timeouts: boolean,
  measuredSeconds: number | null,
  outageMs: number | null,
): Fix | null {
  const parts: string[] = [];
  const entries: { name: string; fields: Record<string, unknown> }[] = [];
  for (const name of names) {
    const probe = templateContainer(facts, name)?.livenessProbe;
    if (!probe) continue;
    const ps = probeSettings(probe);
    if (timeouts) {
      const r = measuredSeconds ?? 0;
      const timeout = Math.max(ps.timeoutSeconds, Math.min(30, Math.max(10, roundUp(2.5 * r, 5))));
      const delay = Math.max(ps.initialDelaySeconds, Math.min(60, Math.max(15, roundUp(timeout + r, 5))));
      const fields: Record<string, number> = {};
      const changed: string[] = [];
      if (timeout > ps.timeoutSeconds) {
        fields.timeoutSeconds = timeout;
        changed.push(`timeoutSeconds ${ps.timeoutSeconds}→${timeout}`);
      }
      if (delay > ps.initialDelaySeconds) {
        fields.initialDelaySeconds = delay;
        changed.push(`initialDelaySeconds ${ps.initialDelaySeconds}→${delay}`);
      }
      if (changed.length === 0) continue;
      entries.push({ name, fields: { livenessProbe: fields } });
      parts.push(`raise livenessProbe.${changed.join(' and ')} on container ${name}`);
    } else {
      if (outageMs === null || outageMs <= 0) continue;
      const threshold = Math.min(30, Math.ceil((1.5 * outageMs) / 1000 / ps.periodSeconds) + 1);
      if (threshold <= ps.failureThreshold) continue;
      entries.push({ name, fields: { livenessProbe: { failureThreshold: threshold } } });
      parts.push(
        `raise livenessProbe.failureThreshold ${ps.failureThreshold}→${threshold} on container ${name} (covers a ${human(outageMs)} outage)`,
      );
    }
  }
  if (entries.length === 0) return null;
  return workloadFix(facts, parts.join('; '), containerPatch(entries));
}
