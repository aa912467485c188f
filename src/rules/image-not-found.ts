/**
 * FM-06: ErrImagePull/ImagePullBackOff because the tag or repository does not exist. Also exports
 * the pull-error classifier shared with image-pull-auth (FM-07).
 *
 * Fix: when the previous revision of the Deployment/StatefulSet/DaemonSet ran another image in the
 * failing container and still has Ready pods (that image pulls and works), a strategic patch puts
 * that image back; otherwise advice only (push the tag, or point at an existing image).
 */
import type { PodView } from '../analysis/containers.js';
import type { Derived } from '../analysis/derive.js';
import {
  containerPatch,
  excerpt,
  list,
  podRef,
  ref,
  signal,
  targetKubectl,
  workloadFix,
  workloadResource,
} from '../analysis/format.js';
import { stripCombined } from '../analysis/probes.js';
import { clock, ms } from '../analysis/time.js';
import type { Facts, Revision } from '../domain/facts.js';
import type { Evidence, Fix } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

export type PullClass = 'not-found' | 'auth' | 'ambiguous' | 'other';

export interface PullFailure {
  pod: string;
  container: string | null;
  image: string | null;
  message: string;
  cls: PullClass;
  count: number;
  time: string | null;
}

export function classifyPull(message: string): PullClass {
  const m = message;
  // Docker Hub's generic "pull access denied, repository does not exist or may require authorization"
  // says nothing either way; what the registry adds after it ("server message: unauthorized…") does.
  const generic = /(pull access denied, )?repository does not exist or may require authorization/gi;
  const rest = m.replace(generic, '');
  if (
    /unauthorized|\b401\b|\b403\b|forbidden|authentication required|no basic auth credentials|insufficient_scope|access denied|denied:/i.test(
      rest,
    )
  )
    return 'auth';
  if (generic.test(m)) return 'ambiguous';
  if (
    /not found|manifest unknown|name unknown|NotFound|couldn't parse image|invalid reference format|InvalidImageName/i.test(
      m,
    )
  )
    return 'not-found';
  return 'other';
}

/** Image pull failures of the target's containers, from events and waiting states. */
export function pullFailures(facts: Facts, d: Derived): PullFailure[] {
  const out: PullFailure[] = [];
  for (const e of d.events) {
    if ((ms(e.last) ?? 0) < d.since || (e.reason !== 'Failed' && e.reason !== 'InspectFailed')) continue;
    const msg = stripCombined(e.message);
    const m =
      /^Failed to pull image "([^"]+)":\s*([\s\S]*)$/.exec(msg) ??
      /^Failed to apply default image tag "([^"]+)"/.exec(msg);
    if (!m) continue;
    out.push({
      pod: e.object,
      container: e.container,
      image: m[1]!,
      message: msg,
      cls: classifyPull(msg),
      count: e.count,
      time: e.first ?? e.last,
    });
  }
  for (const c of d.containers) {
    if (!['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull'].includes(c.waitingReason ?? ''))
      continue;
    const msg = c.waitingMessage ?? c.waitingReason ?? '';
    const cls = c.waitingReason === 'InvalidImageName' ? 'not-found' : classifyPull(msg);
    if (out.some((o) => o.pod === c.pod && o.container === c.name && o.cls !== 'other')) continue;
    if (cls === 'other' && out.some((o) => o.pod === c.pod)) continue;
    out.push({
      pod: c.pod,
      container: c.name,
      image: c.spec?.image ?? null,
      message: `${c.waitingReason}: ${msg}`,
      cls,
      count: 1,
      time: null,
    });
  }
  void facts;
  return out;
}

/** The rollout that introduced `image`, when the newest revision changed it. */
export function imageChange(
  d: Derived,
  image: string | null,
): { text: string; previous: string | null; container: string } | null {
  const r = d.lastRollout;
  if (!r || !image) return null;
  const ch = r.changes.find((c) => c.startsWith('image ') && c.endsWith(`→ ${image}`));
  if (!ch) return null;
  const m = /^image (\S+): (.+) → (.+)$/.exec(ch);
  return m ? { text: ch, previous: m[2]!, container: m[1]! } : null;
}

/** Whether a pod belongs to a revision (ReplicaSet owner / pod-template-hash, controller-revision-hash). */
function onRevision(p: PodView, r: Revision): boolean {
  if (r.kind === 'ReplicaSet') {
    const hash = p.labels['pod-template-hash'];
    return p.owner === r.name || (hash !== undefined && r.name.endsWith(`-${hash}`));
  }
  // StatefulSet pods carry the ControllerRevision's name, DaemonSet pods only its hash suffix.
  const hash = p.labels['controller-revision-hash'];
  return hash !== undefined && (hash === r.name || r.name.endsWith(`-${hash}`));
}

export interface ImageRevert {
  container: string;
  init: boolean;
  /** The image that cannot be pulled (in the workload's template now). */
  from: string;
  /** The previous revision's image for that container. */
  to: string;
}

/**
 * Put each failing container back on the previous revision's image, when every one of them can be:
 * the workload is a Deployment/StatefulSet/DaemonSet whose template still names the failing image,
 * the previous revision's template is known and ran a different image in that container, that image
 * is not failing to pull itself, and the previous revision has Ready pods (its image works).
 */
export function previousImageFix(
  facts: Facts,
  d: Derived,
  failures: readonly PullFailure[],
  all: readonly PullFailure[],
): { fix: Fix; reverts: ImageRevert[]; previous: Revision; ready: number } | null {
  const resource = workloadResource(facts);
  if (!resource || !['Deployment', 'StatefulSet', 'DaemonSet'].includes(resource.kind)) return null;
  const r = d.lastRollout;
  const prev = r?.previous ?? null;
  const now = facts.target.template ?? r?.revision.template ?? null;
  if (!r || !prev?.template?.spec || !now?.spec) return null;
  const ready = Math.max(prev.readyReplicas, d.pods.filter((p) => p.ready && onRevision(p, prev)).length);
  if (ready === 0) return null;
  const failing = new Set(all.map((f) => f.image).filter((i): i is string => i !== null));
  const reverts: ImageRevert[] = [];
  for (const f of failures) {
    if (!f.image) return null;
    const candidates = [
      ...(now.spec.containers ?? []).map((c) => ({ c, init: false })),
      ...(now.spec.initContainers ?? []).map((c) => ({ c, init: true })),
    ].filter(({ c }) => (f.container ? c.name === f.container : c.image === f.image));
    if (candidates.length === 0) return null;
    for (const { c, init } of candidates) {
      // The template moved on since the failure: nothing to put back.
      if (c.image !== f.image) return null;
      const before = ((init ? prev.template.spec.initContainers : prev.template.spec.containers) ?? []).find(
        (x) => x.name === c.name,
      )?.image;
      if (!before || before === f.image || failing.has(before)) return null;
      if (!reverts.some((x) => x.container === c.name && x.init === init)) {
        reverts.push({ container: c.name, init, from: f.image, to: before });
      }
    }
  }
  if (reverts.length === 0) return null;
  const fix = workloadFix(
    facts,
    `set ${list(
      reverts.map(
        (x) =>
          `${x.init ? 'init container' : 'container'} ${x.container}'s image from ${x.from} (cannot be pulled) back to ${x.to}`,
      ),
      4,
    )}, the image of revision ${prev.revision} (${ready} pod(s) Ready on it)`,
    containerPatch(
      reverts.map((x) => ({ name: x.container, fields: { image: x.to }, ...(x.init ? { init: true } : {}) })),
    ),
  );
  return fix ? { fix, reverts, previous: prev, ready } : null;
}

export const imageNotFound: Rule = {
  id: 'image-not-found',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const all = pullFailures(facts, d);
    const clear = all.filter((f) => f.cls === 'not-found');
    const ambiguous = all.filter((f) => f.cls === 'ambiguous');
    const pullSecrets = facts.target.template?.spec?.imagePullSecrets ?? facts.pods[0]?.spec?.imagePullSecrets ?? [];
    const secretsOk =
      pullSecrets.length > 0 &&
      pullSecrets.every(
        (s) => facts.references.find((r) => r.kind === 'Secret' && r.name === s.name)?.exists !== false,
      );
    const used = clear.length > 0 ? clear : secretsOk ? ambiguous : [];
    if (used.length === 0) {
      const auth = all.find((f) => f.cls === 'auth');
      return auth
        ? {
            kind: 'ruled-out',
            reason: `the registry refuses access to ${auth.image ?? 'the image'} (unauthorized/denied), it does not say the tag is missing`,
          }
        : null;
    }
    const f0 = used[0]!;
    const ns = facts.target.namespace;
    const pods = [...new Set(used.map((f) => f.pod))];
    const signals: Evidence[] = [
      signal(
        'event',
        podRef(ns, f0.pod),
        f0.time,
        `Image pull fails on ${pods.length} pod(s) (×${used.reduce((n, f) => n + f.count, 0)}): ${excerpt(f0.message, /not found|manifest unknown|name unknown|does not exist|couldn't parse/i, 200)}`,
      ),
    ];
    const change = imageChange(d, f0.image);
    const r = d.lastRollout;
    if (change && r) {
      signals.push(
        signal(
          'rollout',
          ref(ns, r.revision.kind, r.revision.name),
          r.createdAt,
          `Revision ${r.revision.revision} (${clock(r.createdAt, facts.now)}) changed ${change.text}`,
        ),
      );
    }
    const olderReady = d.pods.filter((p) => p.ready && !pods.includes(p.name));
    if (change && olderReady.length > 0) {
      signals.push(
        signal(
          'status',
          podRef(ns, olderReady[0]!.name),
          facts.now,
          `${olderReady.length} pod(s) of the previous revision still run ${change.previous} and are Ready`,
        ),
      );
    }
    const revert = previousImageFix(facts, d, used, all);
    let advice = `Push the missing tag, or point the container at an existing image: kubectl -n ${ns} set image ${targetKubectl(facts)} ${f0.container ?? change?.container ?? '<container>'}=${change?.previous ?? '<image:existing-tag>'}${change ? ' (the image of the previous revision)' : ''}. Check the registry path and tag spelling.`;
    if (revert) {
      advice = `Apply the patch to run revision ${revert.previous.revision}'s image again (kubectl -n ${ns} set image ${targetKubectl(facts)} ${revert.reverts.map((x) => `${x.container}=${x.to}`).join(' ')}), or push the missing tag (${list(
        revert.reverts.map((x) => x.from),
        4,
      )}) and let the rollout continue. Check the registry path and tag spelling.`;
      const w = facts.target.workload;
      // An OrderedReady StatefulSet waits for the broken pod forever (forced rollback); OnDelete never replaces pods.
      const onDelete = w?.spec?.updateStrategy?.type === 'OnDelete';
      if ((w?.kind === 'StatefulSet' && w.spec?.podManagementPolicy !== 'Parallel') || onDelete) {
        advice += ` ${onDelete ? `An OnDelete ${w?.kind}` : 'An OrderedReady StatefulSet'} does not replace a pod stuck on the bad image by itself: after the patch, delete ${list(pods, 4)} (kubectl -n ${ns} delete pod ${pods.join(' ')}).`;
      }
    }
    return {
      kind: 'match',
      summary: `Image ${f0.image ?? '?'} cannot be pulled: the tag or repository does not exist${clear.length === 0 ? ' (registry answer is ambiguous; pull secrets are configured)' : ''}`,
      signals,
      trigger: change && r ? `rollout to revision ${r.revision.revision} at ${clock(r.createdAt, facts.now)}` : null,
      fix: revert?.fix ?? null,
      advice,
      explains: ['bad-rollout', 'init-container-failed'],
    };
  },
};
