/**
 * FM-06: ErrImagePull/ImagePullBackOff because the tag or repository does not exist. Also exports
 * the pull-error classifier shared with image-pull-auth (FM-07).
 */
import type { Derived } from '../analysis/derive.js';
import { excerpt, podRef, ref, signal, targetKubectl } from '../analysis/format.js';
import { stripCombined } from '../analysis/probes.js';
import { clock, ms } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence } from '../domain/result.js';
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
    return {
      kind: 'match',
      summary: `Image ${f0.image ?? '?'} cannot be pulled: the tag or repository does not exist${clear.length === 0 ? ' (registry answer is ambiguous; pull secrets are configured)' : ''}`,
      signals,
      trigger: change && r ? `rollout to revision ${r.revision.revision} at ${clock(r.createdAt, facts.now)}` : null,
      fix: null,
      advice: `Push the missing tag, or point the container at an existing image: kubectl -n ${ns} set image ${targetKubectl(facts)} ${f0.container ?? change?.container ?? '<container>'}=${change?.previous ?? '<image:existing-tag>'}${change ? ' (the image of the previous revision)' : ''}. Check the registry path and tag spelling.`,
      explains: ['bad-rollout', 'init-container-failed'],
    };
  },
};
