/** PersistentVolumeClaims of the pods, their PVs, StorageClasses and events. */
import type { Facts } from '../domain/facts.js';
import type { KubeObject } from '../domain/k8s.js';
import { eventsFor, summarizeEvents } from './lib.js';
import type { Note, Step } from './step.js';

export const storage: Step<'storage'> = {
  id: 'storage',
  title: 'Volumes and storage',
  after: ['resolve-target'],
  async run(ctx) {
    const { target } = ctx.facts;
    const ns = target.namespace;
    const claims = new Set<string>();
    for (const v of target.template?.spec?.volumes ?? [])
      if (v.persistentVolumeClaim) claims.add(v.persistentVolumeClaim.claimName);
    if (target.workload?.kind === 'StatefulSet') {
      const replicas = Math.min(target.workload.spec?.replicas ?? 1, 4);
      for (const t of target.workload.spec?.volumeClaimTemplates ?? [])
        for (let i = 0; i < replicas; i++) claims.add(`${t.metadata?.name}-${target.workload.metadata?.name}-${i}`);
    }
    if (claims.size === 0) return { status: 'skipped' };
    const picks = [...claims].slice(0, 4);
    const pvcs = (await Promise.all(picks.map((c) => ctx.tryGet('persistentvolumeclaims', c, ns)))).filter(
      (p): p is KubeObject => !!p,
    );
    const classNames = new Set<string>();
    for (const p of pvcs) if (p.spec?.storageClassName) classNames.add(p.spec.storageClassName);
    const [events, pvs, classes] = await Promise.all([
      Promise.all(picks.map((c) => eventsFor(ctx, 'PersistentVolumeClaim', c, ns))).then((x) => x.flat()),
      Promise.all(
        pvcs.filter((p) => p.spec?.volumeName).map((p) => ctx.tryGet('persistentvolumes', p.spec.volumeName, null)),
      ),
      Promise.all([...classNames].map(async (n) => ({ n, sc: await ctx.tryGet('storageclasses', n, null) }))),
    ]);
    const storageClasses: Facts['storageClasses'] = classes.map(({ n, sc }) => ({
      name: n,
      exists: sc !== null,
      provisioner: sc?.provisioner ?? null,
    }));
    const notes: Note[] = pvcs.map((p) => ({
      time: null,
      text: `PVC ${p.metadata?.name}: ${p.status?.phase ?? 'unknown'}${p.spec?.storageClassName ? ` (StorageClass ${p.spec.storageClassName}${storageClasses.find((s) => s.name === p.spec.storageClassName)?.exists === false ? ', which does not exist' : ''})` : ''}`,
      ref: `${ns}/PersistentVolumeClaim/${p.metadata?.name}`,
    }));
    notes.push(...summarizeEvents(events.filter((e) => e.type === 'Warning')));
    return {
      facts: { pvcs, pvs: pvs.filter((p): p is KubeObject => !!p), storageClasses, events },
      notes,
    };
  },
};
