/** Objects that events say are missing (ConfigMaps, ServiceAccounts; Secrets are never read). */
import type { Facts } from '../domain/facts.js';
import type { Step } from './step.js';

export const references: Step<'references'> = {
  id: 'references',
  title: 'Referenced objects',
  after: ['pod-events', 'owner-events'],
  async run(ctx) {
    const ns = ctx.facts.target.namespace;
    const wanted = new Map<string, { kind: 'ConfigMap' | 'Secret' | 'ServiceAccount'; name: string }>();
    for (const e of ctx.facts.events) {
      for (const m of e.message.matchAll(/\b(configmap|secret|serviceaccount) "([a-z0-9.-]+)" not found/gi)) {
        const kind = ({ configmap: 'ConfigMap', secret: 'Secret', serviceaccount: 'ServiceAccount' } as const)[
          m[1]!.toLowerCase() as 'configmap'
        ];
        wanted.set(`${kind}/${m[2]}`, { kind, name: m[2]! });
      }
      const key = /couldn't find key (\S+) in (Secret|ConfigMap) [a-z0-9-]+\/([a-z0-9.-]+)/.exec(e.message);
      if (key) wanted.set(`${key[2]}/${key[3]}`, { kind: key[2] as 'Secret' | 'ConfigMap', name: key[3]! });
    }
    if (wanted.size === 0) return { status: 'skipped' };
    const refs: Facts['references'] = await Promise.all(
      [...wanted.values()].slice(0, 6).map(async (w) => {
        if (w.kind === 'Secret') return { ...w, exists: false, keys: [] }; // never read Secret data; the event is the evidence
        const obj = await ctx.tryGet(w.kind === 'ConfigMap' ? 'configmaps' : 'serviceaccounts', w.name, ns);
        return { ...w, exists: !!obj, keys: Object.keys(obj?.data ?? {}) };
      }),
    );
    const notes = refs.map((r) => ({
      time: null,
      text: `${r.kind} ${r.name} ${r.exists ? `exists (keys: ${r.keys.join(', ') || 'none'})` : 'is missing'}`,
      ref: `${ns}/${r.kind}/${r.name}`,
    }));
    return { facts: { references: refs }, notes };
  },
};
