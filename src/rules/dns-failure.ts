/**
 * FM-24: name resolution fails (CoreDNS down, NetworkPolicy blocking port 53, a name that does not
 * exist). Evidence lives mostly in logs; `DNSConfigForming` alone is a benign warning, not this.
 */
import type { Derived } from '../analysis/derive.js';
import { list, podRef, quote, ref, signal } from '../analysis/format.js';
import { clock, ms, parseLogTimeIso } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { KubeObject } from '../domain/k8s.js';
import type { Evidence, Fix } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

const DNS_RES: RegExp[] = [
  /lookup (\S+?)(?: on [\d.:[\]a-f]+)?: (?:no such host|server misbehaving|i\/o timeout|read udp[^\n]*i\/o timeout)/i,
  /getaddrinfo (?:EAI_AGAIN|ENOTFOUND) (\S+)/i,
  /UnknownHostException:? ?(\S+)?/i,
  /could not resolve host:? ?(\S+)?/i,
  /(?:Temporary failure in name resolution|Name or service not known|NXDOMAIN|nodename nor servname provided)/i,
];

/** The cluster DNS add-on's pods (CoreDNS / kube-dns Deployments in kube-system, `k8s-app=kube-dns`). */
const CLUSTER_DNS_POD = /^(coredns|kube-dns)-[a-z0-9]+-[a-z0-9]{5}$/;

function dnsError(line: string): { host: string | null } | null {
  for (const re of DNS_RES) {
    const m = re.exec(line);
    if (m) return { host: m[1]?.replace(/[:,'"]+$/, '') ?? null };
  }
  return null;
}

function selects(policy: KubeObject, labels: Record<string, string>): boolean {
  const sel: Record<string, string> = policy.spec?.podSelector?.matchLabels ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

function allowsDns(policy: KubeObject): boolean {
  const rules: { ports?: { port?: number | string }[]; to?: unknown[] }[] = policy.spec?.egress ?? [];
  return rules.some(
    (r) =>
      (!r.ports || r.ports.some((p) => p.port === 53 || p.port === 'dns' || p.port === 'dns-tcp')) &&
      (!r.to || r.to.length === 0 || JSON.stringify(r.to).includes('namespaceSelector')),
  );
}

export const dnsFailure: Rule = {
  id: 'dns-failure',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const ns = facts.target.namespace;
    const hits: { pod: string; line: string; host: string | null }[] = [];
    for (const l of facts.logs) {
      if (l.namespace !== ns || !d.targetPodNames.has(l.pod)) continue;
      for (const line of l.lines) {
        const e = dnsError(line);
        if (e) hits.push({ pod: l.pod, line, host: e.host });
      }
    }
    if (hits.length === 0) {
      // DNS noise anywhere in the evidence (any pod's DNSConfigForming, trouble of the cluster DNS
      // pods) without a single resolution error in the target's logs is not this cause: say why.
      const inWindow = (e: { last: string }) => (ms(e.last) ?? 0) >= d.since;
      const forming = facts.events.filter((e) => e.reason === 'DNSConfigForming' && inWindow(e));
      const dnsNames = new Set(facts.dnsPods.map((p) => p.metadata?.name ?? ''));
      const clusterDns = facts.events.filter(
        (e) =>
          e.kind === 'Pod' &&
          (e.objectNamespace ?? e.namespace) === 'kube-system' &&
          (dnsNames.has(e.object) || CLUSTER_DNS_POD.test(e.object)) &&
          e.type === 'Warning' &&
          inWindow(e),
      );
      if (forming.length === 0 && clusterDns.length === 0) return null;
      const read = facts.logs.filter((l) => l.namespace === ns && d.targetPodNames.has(l.pod) && l.lines.length > 0);
      const parts: string[] = [];
      if (forming.length > 0) {
        const on = [...new Set(forming.map((e) => e.object))];
        parts.push(
          `DNSConfigForming on ${list(on, 2)} only says a node resolv.conf has too many nameservers/search paths (the extra ones are dropped)`,
        );
      }
      if (clusterDns.length > 0) {
        const last = clusterDns.reduce((a, b) => ((ms(b.last) ?? 0) > (ms(a.last) ?? 0) ? b : a));
        parts.push(`cluster DNS pod ${last.object} had ${last.reason} (last at ${clock(last.last, facts.now)})`);
      }
      return {
        kind: 'ruled-out',
        reason: `${parts.join('; ')}; ${
          read.length > 0
            ? `no name-resolution error in the logs of ${list(
                read.map((l) => l.pod),
                2,
              )}`
            : 'no name-resolution error in the target’s events'
        }`,
      };
    }
    const pods = [...new Set(hits.map((h) => h.pod))];
    const hosts = [...new Set(hits.map((h) => h.host).filter((h): h is string => Boolean(h)))];
    const last = hits[hits.length - 1]!;
    const signals: Evidence[] = [
      signal(
        'log',
        podRef(ns, last.pod),
        parseLogTimeIso(last.line, facts.now),
        `Name resolution fails in ${pods.length} pod(s)' logs (${hits.length} lines${hosts.length > 0 ? `, ${list(hosts)}` : ''}): "${quote(last.line, 160)}"`,
      ),
    ];
    let fix: Fix | null = null;
    let variant = 'name resolution fails';
    const dns = facts.dnsPods;
    if (dns.length > 0) {
      const ready = dns.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (ready.length < dns.length) {
        signals.push(
          signal(
            'status',
            podRef('kube-system', dns[0]!.metadata?.name ?? ''),
            facts.now,
            `${ready.length}/${dns.length} cluster DNS pods in kube-system are Ready`,
          ),
        );
        variant = 'cluster DNS (CoreDNS) is not healthy';
      }
    }
    const labels = facts.target.template?.metadata?.labels ?? facts.pods[0]?.metadata?.labels ?? {};
    const blocking = facts.networkPolicies.find(
      (p) =>
        (p.metadata?.namespace ?? ns) === ns &&
        selects(p, labels) &&
        (p.spec?.policyTypes ?? []).includes('Egress') &&
        !allowsDns(p),
    );
    if (blocking) {
      const name = blocking.metadata?.name ?? '';
      signals.push(
        signal(
          'spec',
          ref(ns, 'NetworkPolicy', name),
          null,
          `NetworkPolicy ${name} restricts egress of these pods and allows no DNS (port 53) traffic`,
        ),
      );
      variant = `NetworkPolicy ${name} blocks DNS egress`;
      const rule = {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      };
      fix = {
        summary: `allow DNS egress (UDP/TCP 53 to kube-dns) in NetworkPolicy ${name}`,
        resource: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: ns, name },
        patchType: 'json',
        patch: blocking.spec?.egress
          ? [{ op: 'add', path: '/spec/egress/-', value: rule }]
          : [{ op: 'add', path: '/spec/egress', value: [rule] }],
      };
    }
    const missing = facts.dependencies.find(
      (dep) =>
        !dep.service.exists &&
        hosts.some(
          (h) =>
            h === dep.host || h.startsWith(`${dep.host}.`) || dep.host.startsWith(`${h}.`) || h === dep.service.name,
        ),
    );
    if (missing) {
      const via = missing.sources[0]?.via;
      signals.push(
        signal(
          'spec',
          ref(missing.service.namespace, 'Service', missing.service.name),
          null,
          `No Service ${missing.service.name} exists in ${missing.service.namespace}${via ? ` (host ${missing.host} comes from ${via})` : ''}`,
        ),
      );
      if (!blocking && variant === 'name resolution fails') variant = `host ${missing.host} names no existing Service`;
    }
    const advice = blocking
      ? 'Add an egress rule for UDP/TCP 53 to kube-dns in the policy (the patch does exactly that).'
      : missing
        ? `Fix the host name in ${missing.sources[0]?.via ?? 'the configuration'} or create the Service it expects.`
        : 'Check CoreDNS in kube-system (pods, logs, resources, upstream), NetworkPolicies on port 53, and the host names the app uses.';
    return {
      kind: 'match',
      summary: `${facts.target.workload?.metadata?.name ?? facts.target.name} cannot resolve ${hosts.length > 0 ? list(hosts) : 'host names'}: ${variant}`,
      signals,
      trigger: null,
      fix,
      advice,
      explains: ['app-crash', 'readiness-probe-failing', 'bad-rollout'],
    };
  },
};
