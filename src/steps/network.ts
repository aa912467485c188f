/** DNS and network policy, looked at when logs show name-resolution failures. */
import type { Pod } from '../domain/k8s.js';
import type { Step } from './step.js';

export const DNS_ERROR =
  /no such host|EAI_AGAIN|ENOTFOUND|server misbehaving|Temporary failure in name resolution|Name or service not known|:53: (i\/o timeout|read udp)|could not resolve|UnknownHostException|getaddrinfo/i;

export const network: Step<'network'> = {
  id: 'network',
  title: 'DNS and network policy',
  after: ['logs', 'pod-events'],
  async run(ctx) {
    const { logs, events, target } = ctx.facts;
    const hit =
      logs.some((l) => l.lines.some((line) => DNS_ERROR.test(line))) ||
      events.some((e) => e.reason === 'Unhealthy' && DNS_ERROR.test(e.message));
    if (!hit) return { status: 'skipped' };
    const [networkPolicies, dnsPods] = await Promise.all([
      ctx.tryList('networkpolicies', { namespace: target.namespace, maxItems: 100 }),
      ctx.tryList('pods', { namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns', maxItems: 20 }) as Promise<
        Pod[]
      >,
    ]);
    const ready = dnsPods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    const egress = networkPolicies.filter((p) => (p.spec?.policyTypes ?? []).includes('Egress'));
    const notes = [
      { time: null, text: `DNS pods: ${ready.length}/${dnsPods.length} ready`, ref: 'kube-system/Service/kube-dns' },
      ...egress.map((p) => ({
        time: null,
        text: `NetworkPolicy ${p.metadata?.name} restricts egress (${(p.spec?.egress ?? []).length} rule(s))`,
        ref: `${target.namespace}/NetworkPolicy/${p.metadata?.name}`,
      })),
    ];
    return { facts: { networkPolicies, dnsPods }, notes };
  },
};
