/**
 * FM-20: a recent rollout introduced the failure (new revision's pods fail while the old ones are
 * fine) or never became available (ProgressDeadlineExceeded). Rollouts long before the first
 * failure with every pod on them since are ruled out.
 */
import { type Derived, rolloutExonerated } from '../analysis/derive.js';
import {
  containerPatch,
  list,
  podRef,
  ref,
  signal,
  targetKubectl,
  workloadFix,
  workloadRef,
} from '../analysis/format.js';
import { clock, human, ms } from '../analysis/time.js';
import type { CauseId } from '../domain/causes.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence, Fix } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

const WINDOW = 60 * 60_000;

export const badRollout: Rule = {
  id: 'bad-rollout',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const r = d.lastRollout;
    if (!r) return null;
    const ex = rolloutExonerated(d);
    if (ex) return { kind: 'ruled-out', reason: ex.reason };
    const at = ms(r.createdAt);
    const ff = ms(d.firstFailure);
    if (at === null) return null;
    if (ff !== null && at > ff + 60_000) {
      return {
        kind: 'ruled-out',
        reason: `last rollout (revision ${r.revision.revision}) came ${human(at - ff)} after the first failure, so it did not cause it`,
      };
    }
    if (!r.progressDeadlineExceeded && (ff === null || ff - at > WINDOW)) return null;
    // A first deploy has no earlier working state to blame the change against.
    if (!r.previous) return null;
    const ns = facts.target.namespace;
    const failing = d.pods.filter(
      (p) => !p.ready || p.containers.some((c) => c.waitingReason || (ms(c.last?.finishedAt) ?? 0) >= at),
    );
    const newRs = (p: (typeof d.pods)[number]) =>
      p.owner === r.revision.name ||
      p.labels['controller-revision-hash'] === r.revision.name ||
      (p.labels['pod-template-hash'] !== undefined && r.revision.name.endsWith(`-${p.labels['pod-template-hash']}`));
    const failingNew = failing.filter(newRs);
    const oldReady = d.pods.filter((p) => !newRs(p) && p.ready);
    // The new revision's pods must exist and fail: a rollout stuck creating pods (quota, admission,
    // scheduling) is blocked by something else.
    if (failingNew.length === 0) return null;
    const signals: Evidence[] = [];
    const changes = r.changes.length > 0 ? `: ${list(r.changes, 3)}` : '';
    signals.push(
      signal(
        'rollout',
        ref(ns, r.revision.kind, r.revision.name),
        r.createdAt,
        `Revision ${r.revision.revision} (${r.revision.kind} ${r.revision.name}) rolled out at ${clock(r.createdAt, facts.now)}${ff !== null ? `, ${human(ff - at)} before the first failure` : ''}${changes}`,
      ),
    );
    if (failingNew.length > 0) {
      signals.push(
        signal(
          'status',
          podRef(ns, failingNew[0]!.name),
          facts.now,
          `${failingNew.length === failing.length ? 'All' : `${failingNew.length} of`} ${failing.length} failing pod(s) run the new revision ${r.revision.revision}`,
        ),
      );
    }
    if (oldReady.length > 0 && r.previous) {
      signals.push(
        signal(
          'status',
          podRef(ns, oldReady[0]!.name),
          facts.now,
          `${oldReady.length} pod(s) of the previous revision ${r.previous.revision} are still Ready`,
        ),
      );
    }
    if (r.progressDeadlineExceeded) {
      signals.push(
        signal(
          'status',
          workloadRef(facts),
          null,
          `Progressing=False ProgressDeadlineExceeded: ${r.progressMessage ?? 'the new ReplicaSet timed out progressing'}`,
        ),
      );
    }
    if (signals.length < 2) return null;
    const prev = r.previous;
    const undo = `kubectl -n ${ns} rollout undo ${targetKubectl(facts)}${prev ? ` --to-revision=${prev.revision}` : ''}`;
    let fix: Fix | null = null;
    // Only when images are the whole difference is restoring them an exact revert.
    if (r.imageOnly && prev?.template?.spec) {
      const entries = r.changes
        .map((c) => /^image (\S+): (.+) → (.+)$/.exec(c))
        .filter((m) => m !== null)
        .map((m) => ({ name: m[1]!, fields: { image: m[2]! } }));
      const init = new Set((prev.template.spec.initContainers ?? []).map((c) => c.name));
      if (entries.length > 0) {
        fix = workloadFix(
          facts,
          `restore the images of revision ${prev.revision}: ${list(entries.map((e) => `${e.name}=${e.fields.image}`))}`,
          containerPatch(entries.map((e) => ({ ...e, init: init.has(e.name) }))),
        );
      }
    }
    // Rules that name a concrete mechanism (probe port, missing Secret, OOM…) list bad-rollout as
    // their trigger instead; only the generic crash of the new build is this rule's symptom.
    const explains: CauseId[] = ['app-crash', 'service-no-endpoints'];
    return {
      kind: 'match',
      summary: `Rollout to revision ${r.revision.revision} of ${facts.target.workload?.metadata?.name ?? facts.target.name} broke it${changes}${r.progressDeadlineExceeded ? '; the rollout exceeded its progress deadline' : ''}`,
      signals,
      trigger: `rollout to revision ${r.revision.revision} at ${clock(r.createdAt, facts.now)}`,
      fix,
      advice: `Roll back: ${undo}; then fix the change (${r.changes.length > 0 ? list(r.changes, 3) : 'diff the pod templates of both revisions'}) before rolling forward.`,
      explains,
    };
  },
};
