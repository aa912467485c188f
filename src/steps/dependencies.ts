/**
 * Dependencies: what the app talks to. Hosts named in env vars, ConfigMaps (envFrom / keyRefs)
 * and args are resolved to Services; then Service → endpoints → backing pods (restarts, creation
 * times, nodes) and the backing pods' events and start-up logs.
 */
import type { DependencyFacts, DependencySource, Ev, LogFacts } from '../domain/facts.js';
import type { Container, KubeEvent, KubeObject, Pod } from '../domain/k8s.js';
import { normalizeEvent } from '../engine/normalize.js';
import { eventsFor, labelsMatch, selectorString } from './lib.js';
import { readLogs } from './logs.js';
import type { Step, StepContext } from './step.js';

const MAX_DEPS = 5;
const HOST_KEY =
  /(HOST|HOSTS|ADDR|ADDRESS|SERVER|SERVERS|ENDPOINT|ENDPOINTS|SERVICE|URL|URI|DSN|BROKERS?|BACKENDS?|UPSTREAMS?)$/i;
const URL_RE = /\b([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s]+@)?([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?/gi;
const HOSTPORT_RE = /^([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?):(\d{1,5})$/i;
const BARE_RE = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/i;
const FLAG_RE = /^--?([a-z][a-z0-9._-]*)=(.+)$/i;

export interface HostRef {
  host: string;
  port: number | null;
  source: DependencySource;
}

/** Extract candidate hosts from one value (pure). */
export function hostsIn(key: string, value: string, source: DependencySource): HostRef[] {
  const out: HostRef[] = [];
  for (const m of value.matchAll(URL_RE)) out.push({ host: m[2]!, port: m[3] ? Number(m[3]) : null, source });
  if (out.length > 0) return out;
  for (const raw of value.split(/[\s,;]+/).filter(Boolean)) {
    // Command-line flags: `--backend=etcd-kv:2379`, `-redis.addr=cache:6379` (the flag name is the key).
    const flag = FLAG_RE.exec(raw);
    if (flag) {
      out.push(...hostsIn(flag[1]!, flag[2]!, source));
      continue;
    }
    const part = raw;
    const hp = HOSTPORT_RE.exec(part);
    if (hp) out.push({ host: hp[1]!, port: Number(hp[2]), source });
    else if (HOST_KEY.test(key) && BARE_RE.test(part) && /[a-z]/i.test(part))
      out.push({ host: part, port: null, source });
  }
  return out;
}

/** Map a host to an in-cluster Service (name, namespace) or null for external/IP hosts (pure). */
export function serviceOf(host: string, namespace: string): { name: string; namespace: string } | null {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(h)) return null;
  const svc = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(h);
  if (svc) return { name: svc[1]!, namespace: svc[2]! };
  const parts = h.split('.');
  if (parts.length === 1) return { name: h, namespace };
  if (parts.length === 2 && !/^(com|net|org|io|dev|cloud|internal|local|app|co)$/.test(parts[1]!))
    return { name: parts[0]!, namespace: parts[1]! };
  // StatefulSet pod DNS: pod.svc.ns.svc.cluster.local
  const podDns = /^[a-z0-9-]+\.([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(h);
  if (podDns) return { name: podDns[1]!, namespace: podDns[2]! };
  return null;
}

/**
 * The controller behind an empty Service: the ReplicaSets carrying the selector's labels lead to
 * their Deployment (its desired replicas are on the ReplicaSet); else a StatefulSet of the
 * namespace whose template carries them. One or two bounded calls, plus its events.
 */
async function backingOf(
  ctx: StepContext,
  ns: string,
  selector: Record<string, string>,
): Promise<{ backing: NonNullable<DependencyFacts['backing']>; events: Ev[] } | null> {
  const rss = await ctx.tryList('replicasets', {
    namespace: ns,
    labelSelector: selectorString(selector),
    maxItems: 20,
  });
  const revision = (o: KubeObject) => Number(o.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  const rs = [...rss]
    .filter((r) => r.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment'))
    .sort((a, b) => revision(b) - revision(a))[0];
  let backing: NonNullable<DependencyFacts['backing']> | null = null;
  if (rs) {
    const owner = rs.metadata?.ownerReferences?.find((o) => o.kind === 'Deployment');
    const desired = rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'];
    if (owner)
      backing = {
        kind: 'Deployment',
        name: owner.name,
        namespace: ns,
        replicas: desired !== undefined && /^\d+$/.test(desired) ? Number(desired) : null,
      };
  } else {
    const sts = await ctx.tryList('statefulsets', { namespace: ns, maxItems: 50 });
    const match = sts.find((x) => labelsMatch(selector, x.spec?.template?.metadata?.labels));
    if (match?.metadata?.name)
      backing = {
        kind: 'StatefulSet',
        name: match.metadata.name,
        namespace: ns,
        replicas: typeof match.spec?.replicas === 'number' ? match.spec.replicas : null,
      };
  }
  if (!backing) return null;
  return { backing, events: await eventsFor(ctx, backing.kind, backing.name, ns, 100) };
}

async function collectHosts(ctx: StepContext, containers: Container[], ns: string): Promise<HostRef[]> {
  const refs: HostRef[] = [];
  const cmNames = new Set<string>();
  for (const c of containers) {
    for (const e of c.env ?? []) {
      if (e.value) refs.push(...hostsIn(e.name, e.value, { container: c.name, via: `env ${e.name}` }));
      const cm = e.valueFrom?.configMapKeyRef;
      if (cm?.name) cmNames.add(cm.name);
    }
    for (const f of c.envFrom ?? []) if (f.configMapRef?.name) cmNames.add(f.configMapRef.name);
    for (const a of [...(c.args ?? []), ...(c.command ?? [])])
      refs.push(...hostsIn('ARG', a, { container: c.name, via: 'args' }));
  }
  const cms = await Promise.all([...cmNames].map(async (n) => ({ n, cm: await ctx.tryGet('configmaps', n, ns) })));
  for (const c of containers) {
    for (const e of c.env ?? []) {
      const r = e.valueFrom?.configMapKeyRef;
      const value = r?.name ? cms.find((x) => x.n === r.name)?.cm?.data?.[r.key] : undefined;
      if (typeof value === 'string')
        refs.push(...hostsIn(e.name, value, { container: c.name, via: `configmap ${r!.name} key ${r!.key}` }));
    }
    for (const f of c.envFrom ?? []) {
      const cm = cms.find((x) => x.n === f.configMapRef?.name)?.cm;
      for (const [k, v] of Object.entries((cm?.data ?? {}) as Record<string, string>))
        refs.push(...hostsIn(k, String(v), { container: c.name, via: `configmap ${f.configMapRef?.name} key ${k}` }));
    }
  }
  return refs;
}

export const dependencies: Step<'dependencies'> = {
  id: 'dependencies',
  title: 'Dependencies',
  after: ['resolve-target'],
  async run(ctx) {
    const { target } = ctx.facts;
    const ns = target.namespace;
    const spec = target.template?.spec;
    if (!spec) return { status: 'skipped' };
    const refs = await collectHosts(ctx, [...(spec.initContainers ?? []), ...spec.containers], ns);
    const bySvc = new Map<string, { svc: { name: string; namespace: string }; refs: HostRef[] }>();
    for (const r of refs) {
      const svc = serviceOf(r.host, ns);
      if (!svc || (svc.namespace === ns && target.kind === 'Service' && svc.name === target.name)) continue;
      const key = `${svc.namespace}/${svc.name}`;
      if (!bySvc.has(key)) bySvc.set(key, { svc, refs: [] });
      bySvc.get(key)!.refs.push(r);
    }
    const picks = [...bySvc.values()].slice(0, MAX_DEPS);
    const extraEvents: Ev[] = [];
    const extraLogs: LogFacts[] = [];
    const deps = await Promise.all(
      picks.map(async ({ svc, refs: hr }): Promise<DependencyFacts | null> => {
        const service = await ctx.tryGet('services', svc.name, svc.namespace);
        if (service === null && svc.namespace !== ns && hr.every((r) => r.host.split('.').length === 2)) return null;
        const selector: Record<string, string> = service?.spec?.selector ?? {};
        const [ep, pods] = await Promise.all([
          service ? ctx.tryGet('endpoints', svc.name, svc.namespace) : Promise.resolve(null),
          service && Object.keys(selector).length > 0
            ? (ctx.tryList('pods', {
                namespace: svc.namespace,
                labelSelector: selectorString(selector),
                maxItems: 50,
              }) as Promise<Pod[]>)
            : Promise.resolve([] as Pod[]),
        ]);
        const subsets: { addresses?: unknown[]; notReadyAddresses?: unknown[] }[] = ep?.subsets ?? [];
        // Backing pods recently created or restarted: their events and start-up logs tell when and how long.
        const recent = pods
          .filter((p) => {
            const created = Date.parse(p.metadata?.creationTimestamp ?? '');
            const restarted = (p.status?.containerStatuses ?? []).some((c) => (c.restartCount ?? 0) > 0);
            return created >= ctx.since.getTime() || restarted;
          })
          .slice(0, 2);
        // Pods a ReplicaSet replaced exist only in events now: their eviction/kill and old node.
        const rsPrefixes = recent
          .map((p) => p.metadata?.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name)
          .filter((n): n is string => !!n)
          .map((n) => `${n}-`);
        const replaced = async (): Promise<Ev[]> => {
          if (rsPrefixes.length === 0) return [];
          const live = new Set(pods.map((p) => p.metadata?.name));
          const items = await ctx.tryList('events', {
            namespace: svc.namespace,
            fieldSelector: 'involvedObject.kind=Pod',
            maxItems: 500,
          });
          return items
            .map((e) => normalizeEvent(e as KubeEvent))
            .filter((e) => !live.has(e.object) && rsPrefixes.some((p) => e.object.startsWith(p)));
        };
        const [evs, lg, old] = await Promise.all([
          Promise.all(recent.map((p) => eventsFor(ctx, 'Pod', p.metadata?.name ?? '', svc.namespace))),
          Promise.all(
            recent.slice(0, 1).map((p) => {
              const c = p.status?.containerStatuses?.[0];
              return c ? readLogs(ctx, p, c.name, { ...c, restartCount: 0, lastState: {} }, 60) : [];
            }),
          ),
          replaced(),
        ]);
        extraEvents.push(...evs.flat(), ...old);
        extraLogs.push(...lg.flat());
        // An empty Service (no endpoint, no pod): what stopped the pods behind it (scaled to 0, deleted).
        const readyCount = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
        const empty =
          service && Object.keys(selector).length > 0 && pods.length === 0 && readyCount === 0
            ? await backingOf(ctx, svc.namespace, selector)
            : null;
        if (empty) extraEvents.push(...empty.events);
        return {
          host: hr[0]!.host,
          port: hr.find((r) => r.port !== null)?.port ?? null,
          sources: hr.map((r) => r.source),
          service: {
            name: svc.name,
            namespace: svc.namespace,
            exists: service !== null && service !== undefined,
            selector,
            type: service?.spec?.type ?? null,
          },
          endpoints: {
            exists: !!ep,
            ready: subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0),
            notReady: subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0),
          },
          pods,
          ...(empty ? { backing: empty.backing } : {}),
        };
      }),
    );
    const found = deps.filter((d): d is DependencyFacts => d !== null);
    const notes = found.map((d) => {
      const restarted = d.pods.filter((p) => Date.parse(p.metadata?.creationTimestamp ?? '') >= ctx.since.getTime());
      return {
        time: restarted[0]?.metadata?.creationTimestamp ?? null,
        text:
          `${d.sources[0]?.via ?? 'config'} → Service ${d.service.namespace}/${d.service.name}` +
          (d.service.exists
            ? `: ${d.endpoints.ready} ready / ${d.endpoints.notReady} not-ready endpoint(s), pods ${d.pods.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName ?? '?'}`).join(', ') || 'none'}` +
              (restarted.length > 0
                ? ` (${restarted.map((p) => p.metadata?.name).join(', ')} created ${restarted[0]?.metadata?.creationTimestamp})`
                : '')
            : ' does not exist'),
        ref: `${d.service.namespace}/Service/${d.service.name}`,
      };
    });
    return {
      facts: { dependencies: found, events: extraEvents, logs: extraLogs },
      notes,
      status: found.length > 0 ? 'ok' : 'empty',
    };
  },
};
