/**
 * Referenced objects: ConfigMaps the pods load (their keys, for "env var X is missing"), objects
 * that events say are missing, and, when image pulls are denied, the namespace's image pull
 * Secrets, listed as metadata only (Secret data is never read).
 */
import type { Facts } from '../domain/facts.js';
import type { Step } from './step.js';

type Ref = Facts['references'][number];
const PULL_DENIED =
  /pull access denied|unauthorized|authorization failed|authentication required|401 Unauthorized|403 Forbidden|denied: |no basic auth credentials/i;

export const references: Step<'references'> = {
  id: 'references',
  title: 'Referenced objects',
  after: ['pod-events', 'owner-events', 'dependencies'],
  async run(ctx) {
    const { target, events } = ctx.facts;
    const ns = target.namespace;
    const wanted = new Map<string, { kind: Ref['kind']; name: string }>();
    const keyMissing = new Set<string>();
    for (const c of [...(target.template?.spec?.containers ?? []), ...(target.template?.spec?.initContainers ?? [])])
      for (const f of c.envFrom ?? [])
        if (f.configMapRef?.name)
          wanted.set(`ConfigMap/${f.configMapRef.name}`, { kind: 'ConfigMap', name: f.configMapRef.name });
    for (const e of events) {
      for (const m of e.message.matchAll(/\b(configmap|secret|serviceaccount) "([a-z0-9.-]+)" not found/gi)) {
        const kind = ({ configmap: 'ConfigMap', secret: 'Secret', serviceaccount: 'ServiceAccount' } as const)[
          m[1]!.toLowerCase() as 'configmap'
        ];
        wanted.set(`${kind}/${m[2]}`, { kind, name: m[2]! });
      }
      const key = /couldn't find key (\S+) in (Secret|ConfigMap) [a-z0-9-]+\/([a-z0-9.-]+)/.exec(e.message);
      if (key) {
        wanted.set(`${key[2]}/${key[3]}`, { kind: key[2] as 'Secret' | 'ConfigMap', name: key[3]! });
        // The kubelet says "couldn't find key" only after it found the object ("not found" otherwise).
        keyMissing.add(`${key[2]}/${key[3]}`);
      }
    }
    const pullDenied = events.some(
      (e) => e.reason === 'FailedToRetrieveImagePullSecret' || (e.reason === 'Failed' && PULL_DENIED.test(e.message)),
    );
    if (wanted.size === 0 && !pullDenied) return { status: 'skipped' };

    const refs: Ref[] = await Promise.all(
      [...wanted.values()].slice(0, 8).map(async (w): Promise<Ref> => {
        // Secret data is never read: the event is the evidence (a missing key proves the Secret exists).
        if (w.kind === 'Secret') return { ...w, exists: keyMissing.has(`Secret/${w.name}`), keys: [] };
        const obj = await ctx.tryGet(w.kind === 'ConfigMap' ? 'configmaps' : 'serviceaccounts', w.name, ns);
        return { ...w, exists: !!obj, keys: Object.keys(obj?.data ?? {}) };
      }),
    );
    if (pullDenied) {
      const secrets = await ctx.kube
        .listMetadata('secrets', { namespace: ns, fieldSelector: 'type=kubernetes.io/dockerconfigjson', maxItems: 50 })
        .then((r) => r.items)
        .catch(() => []);
      for (const s of secrets) {
        const name = s.metadata?.name;
        if (name && !refs.some((r) => r.kind === 'Secret' && r.name === name))
          refs.push({ kind: 'Secret', name, exists: true, keys: ['.dockerconfigjson'] });
      }
    }
    const notes = refs.map((r) => ({
      time: null,
      text: `${r.kind} ${r.name} ${r.exists ? `exists${r.keys.length ? ` (keys: ${r.keys.slice(0, 12).join(', ')})` : ''}` : 'is missing'}`,
      ref: `${ns}/${r.kind}/${r.name}`,
    }));
    return { facts: { references: refs }, notes };
  },
};
