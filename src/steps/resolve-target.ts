/** Resolve the target: kubectl kinds, Pod → ReplicaSet → Deployment, workload → pods and revisions. */
import type { ObjectRef, Revision, TargetFacts, TargetKind } from '../domain/facts.js';
import type { KubeObject, Pod, PodTemplate, Workload } from '../domain/k8s.js';
import { InvestigationAbort } from '../engine/abort.js';
import { closeMatches, RESOURCE_OF_KIND } from '../engine/kinds.js';
import type { Resource } from '../kube/reader.js';
import { objName, ref, selectorString } from './lib.js';
import type { Step, StepContext } from './step.js';

const API_VERSION: Record<TargetKind, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Pod: 'v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Node: 'v1',
  Service: 'v1',
};

function controllerOf(o: KubeObject | null): { kind: string; name: string } | null {
  const owners = o?.metadata?.ownerReferences ?? [];
  return owners.find((r) => r.controller) ?? owners[0] ?? null;
}

function rsRevision(rs: KubeObject): Revision {
  const images = (rs.spec?.template?.spec?.containers ?? []).map((c: { image?: string }) => c.image ?? '');
  return {
    revision: Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
    kind: 'ReplicaSet',
    name: objName(rs),
    createdAt: rs.metadata?.creationTimestamp ?? null,
    images,
    changeCause: rs.metadata?.annotations?.['kubernetes.io/change-cause'] ?? null,
    replicas: rs.status?.replicas ?? 0,
    readyReplicas: rs.status?.readyReplicas ?? 0,
    current: false,
    template: rs.spec?.template ?? null,
  };
}

function crRevision(cr: KubeObject, currentName: string | undefined): Revision {
  const template = (cr.data?.spec?.template ?? null) as PodTemplate | null;
  return {
    revision: Number(cr.revision ?? 0),
    kind: 'ControllerRevision',
    name: objName(cr),
    createdAt: cr.metadata?.creationTimestamp ?? null,
    images: (template?.spec?.containers ?? []).map((c) => c.image ?? ''),
    changeCause: cr.metadata?.annotations?.['kubernetes.io/change-cause'] ?? null,
    replicas: 0,
    readyReplicas: 0,
    current: objName(cr) === currentName,
    template,
  };
}

async function notFound(ctx: StepContext, kind: TargetKind, name: string, namespace: string): Promise<never> {
  const resource = RESOURCE_OF_KIND[kind] as Resource;
  const namespaced = kind !== 'Node';
  const here = await ctx.tryList(resource, { namespace: namespaced ? namespace : null, maxItems: 1000 });
  const suggestions = closeMatches(
    name,
    here.map((o) => objName(o)),
  ).map((n) => `${kind.toLowerCase()}/${n}${namespaced ? ` -n ${namespace}` : ''}`);
  if (namespaced) {
    const elsewhere = await ctx.tryList(resource, {
      namespace: null,
      fieldSelector: `metadata.name=${name}`,
      maxItems: 5,
    });
    for (const o of elsewhere) suggestions.unshift(`${kind.toLowerCase()}/${name} -n ${o.metadata?.namespace}`);
  }
  const where = namespaced ? ` in namespace ${namespace}` : '';
  throw new InvestigationAbort(`${kind.toLowerCase()} "${name}" not found${where}`, 'not-found', suggestions);
}

async function getOrThrow(ctx: StepContext, kind: TargetKind, name: string, ns: string): Promise<KubeObject> {
  const obj = await ctx.kube.get(RESOURCE_OF_KIND[kind] as Resource, name, kind === 'Node' ? null : ns);
  return obj ?? notFound(ctx, kind, name, ns);
}

export const resolveTarget: Step<'resolve-target'> = {
  id: 'resolve-target',
  title: 'Resolve the target',
  after: [],
  async run(ctx) {
    const { kind, name, namespace, context } = ctx.request;
    const k = kind as TargetKind;
    const obj = await getOrThrow(ctx, k, name, namespace);
    const chain: ObjectRef[] = [{ kind: k, name, namespace }];
    let workload: Workload | null = null;
    let workloadKind: TargetKind = k;
    let pods: Pod[] = [];
    let revisions: Revision[] = [];

    // Walk owners up to the top-level workload.
    if (k === 'Pod' || k === 'ReplicaSet' || k === 'Job') {
      let cur: KubeObject = obj;
      for (let i = 0; i < 3; i++) {
        const owner = controllerOf(cur);
        if (!owner) break;
        const res: Record<string, Resource> = {
          ReplicaSet: 'replicasets',
          Deployment: 'deployments',
          StatefulSet: 'statefulsets',
          DaemonSet: 'daemonsets',
          Job: 'jobs',
          CronJob: 'cronjobs',
        };
        const r = res[owner.kind];
        if (!r) break;
        const next = await ctx.tryGet(r, owner.name, namespace);
        chain.push({ kind: owner.kind, name: owner.name, namespace });
        if (!next) break;
        cur = next;
        workloadKind = owner.kind as TargetKind;
      }
      if (cur !== obj) workload = cur as Workload;
      else if (k !== 'Pod') workload = obj as Workload;
    } else if (k !== 'Node' && k !== 'Service') {
      workload = obj as Workload;
    }

    let selector: Record<string, string> = {};
    let labelSelector = '';
    let template: PodTemplate | null = null;
    if (workload) {
      template =
        workloadKind === 'CronJob'
          ? (workload.spec?.jobTemplate?.spec?.template ?? null)
          : (workload.spec?.template ?? null);
      selector = workload.spec?.selector?.matchLabels ?? {};
      labelSelector = selectorString(workload.spec?.selector?.matchLabels, workload.spec?.selector?.matchExpressions);
      if (workloadKind === 'CronJob') {
        selector = template?.metadata?.labels ?? {};
        labelSelector = selectorString(selector);
      }
    } else if (k === 'Service') {
      selector = obj.spec?.selector ?? {};
      labelSelector = selectorString(selector);
    } else if (k === 'Pod') {
      template = { metadata: obj.metadata ?? {}, spec: (obj as Pod).spec ?? { containers: [] } } as PodTemplate;
    }

    const wlName = objName(workload);
    const listPods = async () => {
      if (k === 'Node')
        return ctx.tryList('pods', { namespace: null, fieldSelector: `spec.nodeName=${name}`, maxItems: 500 });
      if (!labelSelector) return k === 'Pod' ? [obj] : [];
      return ctx.tryList('pods', { namespace, labelSelector, maxItems: 500 });
    };
    const listRevisions = async (): Promise<Revision[]> => {
      if (!workload || !labelSelector) return [];
      if (workloadKind === 'Deployment') {
        const rss = await ctx.tryList('replicasets', { namespace, labelSelector, maxItems: 100 });
        const owned = rss.filter((rs) => controllerOf(rs)?.name === wlName);
        const revs = owned.map(rsRevision).sort((a, b) => b.revision - a.revision);
        if (revs[0]) revs[0].current = true;
        return revs;
      }
      if (workloadKind === 'StatefulSet' || workloadKind === 'DaemonSet') {
        const crs = await ctx.tryList('controllerrevisions', { namespace, labelSelector, maxItems: 100 });
        const current = workload.status?.updateRevision ?? workload.status?.currentRevision;
        const revs = crs
          .filter((cr) => controllerOf(cr)?.name === wlName)
          .map((cr) => crRevision(cr, current))
          .sort((a, b) => b.revision - a.revision);
        if (revs[0] && !revs.some((r) => r.current)) revs[0].current = true;
        return revs;
      }
      return [];
    };
    [pods, revisions] = await Promise.all([listPods() as Promise<Pod[]>, listRevisions()]);
    if (workloadKind === 'Deployment' && revisions.length > 0) {
      const rsNames = new Set(revisions.map((r) => r.name));
      pods = pods.filter((p) => {
        const o = controllerOf(p);
        return !o || rsNames.has(o.name);
      });
    }

    const target: TargetFacts = {
      kind: k,
      name,
      namespace: k === 'Node' ? '' : namespace,
      context,
      apiVersion: API_VERSION[k],
      object: obj,
      workload,
      selector,
      labelSelector,
      template,
      ownerChain: chain,
    };
    const notes = [
      {
        time: null,
        text:
          `${chain.map((c) => `${c.kind}/${c.name}`).join(' → ')}: ${pods.length} pod(s)` +
          (revisions[0] ? `, revision ${revisions[0].revision} (${revisions[0].images.join(', ')})` : ''),
        ref: ref(workload ? workloadKind : k, workload ? wlName : name, k === 'Node' ? 'default' : namespace),
      },
    ];
    return { facts: { target, pods, revisions }, notes, status: 'ok' };
  },
};
