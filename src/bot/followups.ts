/**
 * Answers to the follow-up buttons: from the evidence captured when the investigation ran
 * ("as of HH:MM"), refreshed live when the cluster is reachable. Each answer is a thread reply.
 */
import type { Ev, Facts, LogFacts } from '../domain/facts.js';
import type { KubeEvent } from '../domain/k8s.js';
import { mergeEvents, normalizeEvent } from '../engine/normalize.js';
import { redact } from '../engine/redact.js';
import type { KubeReader } from '../kube/reader.js';
import {
  type EventRow,
  type LogSection,
  renderEvents,
  renderLogs,
  renderRolloutHistory,
} from '../slack/blocks/index.js';
import type { RenderedMessage } from '../slack/blocks/types.js';

const LIVE_CAP = 6;

export interface FollowUpAnswer {
  message: RenderedMessage;
  /** File name for the overflow upload. */
  file: string;
  /** What went wrong with the live refresh (the captured evidence is still shown). */
  liveError: string | null;
}

function rows(events: Ev[]): EventRow[] {
  return events.map((e) => ({
    time: e.last,
    type: e.type,
    reason: e.reason,
    object: `${e.kind.toLowerCase()}/${e.object}`,
    message: redact(e.message),
    count: e.count,
  }));
}

async function liveEvents(
  reader: KubeReader | null,
  objects: { kind: string; name: string; namespace: string | null }[],
) {
  if (!reader) return { events: [] as Ev[], error: 'cluster not reachable' };
  try {
    const lists = await Promise.all(
      objects.slice(0, LIVE_CAP).map((o) =>
        reader.list('events', {
          namespace: o.namespace,
          fieldSelector: `involvedObject.kind=${o.kind},involvedObject.name=${o.name}`,
          maxItems: 300,
        }),
      ),
    );
    return { events: lists.flatMap((l) => l.items.map((e) => normalizeEvent(e as KubeEvent))), error: null };
  } catch (err) {
    return { events: [] as Ev[], error: (err as Error).message };
  }
}

export function targetPodNames(facts: Facts): string[] {
  return [...facts.pods.map((p) => p.metadata?.name ?? ''), ...facts.deletedPods.map((d) => d.name)].filter(Boolean);
}

export async function nodeEvents(facts: Facts, reader: KubeReader | null, asOf: string): Promise<FollowUpAnswer> {
  const names = facts.nodes.map((n) => n.name);
  const captured = facts.events.filter((e) => e.kind === 'Node' && names.includes(e.object));
  const live = await liveEvents(
    reader,
    names.map((name) => ({ kind: 'Node', name, namespace: null })),
  );
  const gone = facts.nodes.filter((n) => !n.exists).map((n) => n.name);
  const title = `Node events: ${names.join(', ') || 'no nodes'}${gone.length ? ` (no longer exist: ${gone.join(', ')})` : ''}`;
  return {
    message: renderEvents(title, asOf, rows(mergeEvents(captured, live.events))),
    file: 'node-events.txt',
    liveError: live.error,
  };
}

export async function podEvents(facts: Facts, reader: KubeReader | null, asOf: string): Promise<FollowUpAnswer> {
  const pods = targetPodNames(facts);
  const ns = facts.target.namespace;
  const captured = facts.events.filter((e) => e.kind === 'Pod' && pods.includes(e.object));
  const live = await liveEvents(
    reader,
    pods.map((name) => ({ kind: 'Pod', name, namespace: ns })),
  );
  const deleted = facts.deletedPods.map((d) => d.name);
  const title = `Pod events of ${facts.target.kind.toLowerCase()}/${facts.target.name}${deleted.length ? ` (incl. deleted pods ${deleted.join(', ')})` : ''}`;
  return {
    message: renderEvents(title, asOf, rows(mergeEvents(captured, live.events))),
    file: 'pod-events.txt',
    liveError: live.error,
  };
}

export async function logs(facts: Facts, reader: KubeReader | null, asOf: string): Promise<FollowUpAnswer> {
  const pods = new Set(targetPodNames(facts));
  const captured: LogFacts[] = facts.logs.filter((l) => pods.has(l.pod));
  let liveError: string | null = reader ? null : 'cluster not reachable';
  const sections: LogSection[] = [];
  for (const l of captured) {
    let lines = l.lines;
    if (reader && facts.pods.some((p) => p.metadata?.name === l.pod)) {
      try {
        const text = await reader.logs(l.namespace, l.pod, {
          container: l.container,
          previous: l.previous,
          tailLines: 100,
          limitBytes: 64 * 1024,
        });
        lines = text.split('\n').filter(Boolean).map(redact);
      } catch (err) {
        liveError = (err as Error).message;
      }
    }
    sections.push({ pod: l.pod, container: l.container, previous: l.previous, lines });
  }
  const title = `Logs of ${facts.target.kind.toLowerCase()}/${facts.target.name}`;
  return { message: renderLogs(title, asOf, sections), file: 'logs.txt', liveError };
}

export async function rolloutHistory(facts: Facts, reader: KubeReader | null, asOf: string): Promise<FollowUpAnswer> {
  let revisions = facts.revisions;
  let liveError: string | null = reader ? null : 'cluster not reachable';
  if (reader && facts.target.labelSelector && facts.revisions.some((r) => r.kind === 'ReplicaSet')) {
    try {
      const rs = await reader.list('replicasets', {
        namespace: facts.target.namespace,
        labelSelector: facts.target.labelSelector,
        maxItems: 100,
      });
      const owner = facts.target.workload?.metadata?.name;
      const fresh = rs.items
        .filter((r) => r.metadata?.ownerReferences?.some((o) => o.name === owner))
        .map((r) => ({
          revision: Number(r.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
          kind: 'ReplicaSet' as const,
          name: r.metadata?.name ?? '',
          createdAt: r.metadata?.creationTimestamp ?? null,
          images: (r.spec?.template?.spec?.containers ?? []).map((c: { image?: string }) => c.image ?? ''),
          changeCause: r.metadata?.annotations?.['kubernetes.io/change-cause'] ?? null,
          replicas: r.status?.replicas ?? 0,
          readyReplicas: r.status?.readyReplicas ?? 0,
          current: false,
          template: null,
        }))
        .sort((a, b) => b.revision - a.revision);
      if (fresh[0]) fresh[0].current = true;
      if (fresh.length > 0) revisions = fresh;
    } catch (err) {
      liveError = (err as Error).message;
    }
  }
  return {
    message: renderRolloutHistory(
      asOf,
      revisions.map((r) => ({
        revision: r.revision,
        createdAt: r.createdAt,
        images: r.images,
        changeCause: r.changeCause,
        current: r.current,
      })),
    ),
    file: 'rollout-history.txt',
    liveError,
  };
}
