/**
 * FM-20: a recent rollout introduced the failure (new revision's pods fail while the old ones are
 * fine) or never became available (ProgressDeadlineExceeded). Rollouts long before the first
 * failure with every pod on them since are ruled out.
 */
import { errorLine, isActive } from '../analysis/containers.js';
import { type Derived, rolloutExonerated } from '../analysis/derive.js';
import {
  containerPatch,
  list,
  podRef,
  quote,
  ref,
  signal,
  targetKubectl,
  workloadFix,
  workloadRef,
} from '../analysis/format.js';
import { clock, human, ms } from '../analysis/time.js';
import type { CauseId } from '../domain/causes.js';
import type { Facts, Revision } from '../domain/facts.js';
import type { Container, PodTemplate } from '../domain/k8s.js';
import type { Evidence, Fix } from '../domain/result.js';
import { startUp } from './readiness-probe-failing.js';
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
    // A pod being deleted is unready by request, and one still in an ordinary start-up (younger than
    // its siblings took to become Ready, no restart, others of its revision Ready) is not failing.
    const su = startUp(d);
    const failing = d.pods.filter(
      (p) =>
        p.containers.some((c) => c.waitingReason || (ms(c.last?.finishedAt) ?? 0) >= at) ||
        (!p.ready && !p.deleting && !su.starting.has(p.name)),
    );
    const newRs = (p: (typeof d.pods)[number]) =>
      p.owner === r.revision.name ||
      p.labels['controller-revision-hash'] === r.revision.name ||
      (p.labels['pod-template-hash'] !== undefined && r.revision.name.endsWith(`-${p.labels['pod-template-hash']}`));
    const failingNew = failing.filter(newRs);
    const oldReady = d.pods.filter((p) => !newRs(p) && p.ready);
    // The new revision's pods must exist and fail: a rollout stuck creating pods (quota, admission,
    // scheduling) is blocked by something else.
    if (failingNew.length === 0) {
      // Its pods run and become Ready: the new build is not what fails.
      const fresh = d.pods.filter((p) => newRs(p) && isActive(p));
      const ready = fresh.filter((p) => p.ready);
      if (r.progressDeadlineExceeded || ready.length === 0) return null;
      const starting = fresh.filter((p) => su.starting.has(p.name));
      const restarts = fresh.flatMap((p) => p.containers).reduce((n, c) => n + c.restarts, 0);
      return {
        kind: 'ruled-out',
        reason: `the pods of revision ${r.revision.revision} (rolled out at ${clock(r.createdAt, facts.now)}) are not failing: ${ready.length}/${fresh.length} Ready${starting.length > 0 ? `, ${starting.length} still starting (${human(Math.max(...starting.map((p) => su.starting.get(p.name)!)))} old)` : ''}, ${restarts} restart(s)`,
      };
    }
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
    const fix: Fix | null = prev ? revertFix(facts, prev, r.revision) : null;
    // Rules that name a concrete mechanism (probe port, missing Secret, OOM…) list bad-rollout as
    // their trigger instead; only the generic crash of the new build is this rule's symptom.
    const explains: CauseId[] = ['app-crash', 'service-no-endpoints'];
    const manager = r.revision.template?.metadata?.labels?.['app.kubernetes.io/managed-by'] ?? null;
    // What the new pods say when they fail (their own words, from the new revision's pods only).
    let said = '';
    for (const p of failingNew) {
      for (const c of p.containers.filter((x) => !x.init)) {
        const err = errorLine(facts.logs, p.name, c.name);
        if (err) {
          said = `; its pods fail with "${quote(err.line, 100)}"`;
          break;
        }
      }
      if (said) break;
    }
    return {
      kind: 'match',
      summary: `Rollout to revision ${r.revision.revision} of ${facts.target.workload?.metadata?.name ?? facts.target.name} broke it${changes}${r.progressDeadlineExceeded ? '; the rollout exceeded its progress deadline' : ''}${said}`,
      signals,
      trigger: `rollout to revision ${r.revision.revision} (${r.revision.kind} ${r.revision.name}) at ${clock(r.createdAt, facts.now)}`,
      fix,
      advice: `Roll back: ${undo}${fix ? ' (the patch restores what changed in the containers)' : ''}; then fix the change (${r.changes.length > 0 ? list(r.changes, 3) : 'diff the pod templates of both revisions'}) before rolling forward.${manager ? ` The workload is managed by ${manager}: fix the change at its source too, or the next sync re-applies it.` : ''}`,
      explains,
    };
  },
};

const REVERTIBLE = ['image', 'command', 'args', 'env'] as const;

/**
 * A strategic patch that restores the previous revision's values, when the two pod templates
 * differ only in image/command/args/env of the same containers, besides labels (anything else —
 * resources, probes, volumes, annotations, added or removed containers — is left to
 * `kubectl rollout undo`). Env entries merge by
 * name: changed ones get their old value back, added ones are deleted, removed ones come back.
 */
export function revertFix(facts: Facts, prev: Revision, cur: Revision): Fix | null {
  const a = prev.template;
  const b = cur.template;
  if (!a?.spec || !b?.spec) return null;
  // Labels (chart version, pod-template-hash) do not change what runs; annotations can (sidecar
  // injection, config checksums), so they must be equal.
  const strip = (t: PodTemplate) => ({
    spec: { ...t.spec, containers: [], initContainers: [] },
    annotations: t.metadata?.annotations ?? {},
  });
  if (JSON.stringify(strip(a)) !== JSON.stringify(strip(b))) return null;
  const entries: { name: string; fields: Record<string, unknown>; init?: boolean }[] = [];
  const what: string[] = [];
  for (const init of [false, true]) {
    const xs = (init ? a.spec.initContainers : a.spec.containers) ?? [];
    const ys = (init ? b.spec.initContainers : b.spec.containers) ?? [];
    if (xs.map((c) => c.name).join('\0') !== ys.map((c) => c.name).join('\0')) return null;
    for (const x of xs) {
      const y = ys.find((c) => c.name === x.name)!;
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])] as (keyof Container)[];
      const changed = keys.filter((k) => JSON.stringify(x[k] ?? null) !== JSON.stringify(y[k] ?? null));
      if (changed.length === 0) continue;
      if (!changed.every((k) => (REVERTIBLE as readonly string[]).includes(k))) return null;
      const fields: Record<string, unknown> = {};
      for (const k of changed) {
        if (k === 'env') {
          const before = new Map((x.env ?? []).map((e) => [e.name, e]));
          const after = new Map((y.env ?? []).map((e) => [e.name, e]));
          const env: unknown[] = [];
          for (const [n, e] of before) if (JSON.stringify(e) !== JSON.stringify(after.get(n))) env.push(e);
          for (const n of after.keys()) if (!before.has(n)) env.push({ name: n, $patch: 'delete' });
          fields.env = env;
        } else {
          // A field the previous revision did not set is removed (null deletes in a strategic merge).
          fields[k] = x[k] ?? null;
        }
      }
      entries.push({ name: x.name, fields, ...(init ? { init } : {}) });
      what.push(`${changed.join('/')} of ${x.name}`);
    }
  }
  if (entries.length === 0) return null;
  return workloadFix(
    facts,
    `restore revision ${prev.revision}'s ${list(what, 4)} (the only differences from revision ${cur.revision})`,
    containerPatch(entries),
  );
}
