/**
 * FM-03: the application exits on its own (bad config, bad flag, code bug): non-zero exit (or a
 * StartError), no probe kill, no OOMKilled. Evidence: container status, the previous run's log,
 * and an env variable the log complains about that the spec does not set.
 * A more specific cause that explains the exit (e.g. certificate-invalid: the run ends right after
 * TLS failures) lists `app-crash` in its `explains` and wins the ranking. Rolling back is advised
 * only when the last rollout could have introduced the crash (not exonerated by timing).
 */
import { type ContainerView, errorLine, isActive, isFailedRun, templateContainer } from '../analysis/containers.js';
import { type Derived, replicaTotal, rolloutExonerated } from '../analysis/derive.js';
import { list, podRef, quote, signal, targetKubectl, workloadRef } from '../analysis/format.js';
import { clock, human, latest, ms, parseLogTimeIso } from '../analysis/time.js';
import type { Facts, LogFacts } from '../domain/facts.js';
import type { Evidence } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

function crashed(c: ContainerView, d: Derived): boolean {
  if (c.init) return false;
  const run = c.last ?? c.terminated;
  if (!run) return c.waitingReason === 'RunContainerError' || c.waitingReason === 'CreateContainerError';
  if (run.reason === 'OOMKilled' || run.exitCode === 137 || run.exitCode === 143) return false;
  if (d.probeKills.some((k) => k.pod === c.pod && (k.container === null || k.container === c.name))) return false;
  return isFailedRun(run) || (c.restarts > 0 && c.waitingReason === 'CrashLoopBackOff');
}

/** Restarts that are not the app's doing: say why (probe kills, OOM, external SIGKILL). */
function explainedRestarts(d: Derived): RuleOutcome {
  const restarted = d.containers.filter((c) => !c.init && (c.restarts > 0 || isFailedRun(c.last)));
  if (restarted.length === 0) return null;
  const c = restarted[0]!;
  const kills = d.probeKills.filter((k) => k.pod === c.pod || restarted.some((r) => r.pod === k.pod));
  if (kills.length > 0) {
    const probe = [...new Set(kills.map((k) => k.probe))].join('/');
    const code = c.last?.exitCode;
    return {
      kind: 'ruled-out',
      reason: `the restarts of ${c.name} are kubelet kills after failed ${probe} probes (${kills.reduce((n, k) => n + k.count, 0)} Killing events${code !== null && code !== undefined ? `, exit ${code}` : ''}), not the app exiting on its own`,
    };
  }
  if (c.last?.reason === 'OOMKilled')
    return { kind: 'ruled-out', reason: `${c.name} is OOMKilled by its memory limit, it does not exit on its own` };
  if (c.last?.exitCode === 137 || c.last?.exitCode === 143) {
    return {
      kind: 'ruled-out',
      reason: `${c.name} was stopped by a signal (exit ${c.last.exitCode}), not by an application error`,
    };
  }
  return null;
}

export const appCrash: Rule = {
  id: 'app-crash',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const failing = d.containers.filter((c) => crashed(c, d));
    if (failing.length === 0) return explainedRestarts(d);
    const pods = [...new Set(failing.map((c) => c.pod))];
    const names = [...new Set(failing.map((c) => c.name))];
    const total = replicaTotal(facts, d, pods.length);
    const c0 = failing[0]!;
    const run = c0.last ?? c0.terminated;
    const codes = [
      ...new Set(failing.map((c) => (c.last ?? c.terminated)?.exitCode).filter((x) => x !== null && x !== undefined)),
    ];
    const restarts = failing.reduce((n, c) => n + c.restarts, 0);
    const runtimes = failing
      .map((c) => (c.last ?? c.terminated)?.runtimeMs)
      .filter((x): x is number => typeof x === 'number' && x >= 0);
    const finished = latest(failing.map((c) => (c.last ?? c.terminated)?.finishedAt));
    const how =
      run?.reason === 'StartError' || run?.reason === 'ContainerCannotRun'
        ? `cannot start (${run.reason}, exit ${run.exitCode ?? '?'}${run.message ? `: ${quote(run.message, 120)}` : ''})`
        : run
          ? `exits with code ${codes.join('/') || '?'} (${run.reason ?? 'Error'})${runtimes.length > 0 ? ` after ${human(Math.max(...runtimes))}` : ''}`
          : `fails to start (${c0.waitingReason}${c0.waitingMessage ? `: ${quote(c0.waitingMessage, 120)}` : ''})`;
    const signals: Evidence[] = [
      signal(
        'status',
        podRef(c0.namespace, c0.pod),
        finished,
        `Container ${list(names)} on ${pods.length}/${total} pods ${how}; ${restarts} restarts${failing.some((c) => c.waitingReason === 'CrashLoopBackOff') ? ', CrashLoopBackOff' : ''}, no probe kill and no OOMKilled`,
      ),
    ];
    let err: { log: LogFacts; line: string } | null = null;
    for (const c of failing) {
      err = errorLine(facts.logs, c.pod, c.name);
      if (err) break;
    }
    if (err) {
      signals.push(
        signal(
          'log',
          podRef(err.log.namespace, err.log.pod),
          parseLogTimeIso(err.line, facts.now),
          `${err.log.pod}/${err.log.container} log${err.log.previous ? ' (previous run)' : ''} ends with "${quote(err.line, 160)}"`,
        ),
      );
    } else if (run?.message && run.reason !== 'StartError') {
      signals.push(
        signal(
          'log',
          podRef(c0.namespace, c0.pod),
          run.finishedAt,
          `Termination message of ${c0.name}: "${quote(run.message, 160)}"`,
        ),
      );
    }
    // Same revision, older pod still healthy: what changed is outside the pod template.
    const failingPods = d.pods.filter((p) => pods.includes(p.name));
    const firstStart = Math.min(...failingPods.map((p) => ms(p.createdAt) ?? Number.POSITIVE_INFINITY));
    const owners = new Set(failingPods.map((p) => p.owner));
    const steady = d.pods.filter(
      (p) =>
        isActive(p) &&
        p.ready &&
        !pods.includes(p.name) &&
        owners.has(p.owner) &&
        (ms(p.createdAt) ?? Number.POSITIVE_INFINITY) < firstStart &&
        p.containers.every((c) => c.init || c.restarts === 0 || (ms(c.last?.finishedAt) ?? 0) < d.since),
    );
    if (steady.length > 0 && Number.isFinite(firstStart)) {
      const s0 = steady[0]!;
      signals.push(
        signal(
          'status',
          podRef(s0.namespace, s0.name),
          s0.createdAt,
          `${steady.length} pod(s) of the same revision started earlier (${s0.name}, ${human(d.now - (ms(s0.createdAt) ?? d.now))} ago) still run; only pods started since ${clock(new Date(firstStart).toISOString(), facts.now)} crash, so what changed is outside the pod template (ConfigMap/Secret contents, node)`,
        ),
      );
    }
    // An env variable named in the error that neither the container nor its envFrom ConfigMaps set.
    let missingEnv: string | null = null;
    if (err) {
      const spec = templateContainer(facts, err.log.container) ?? c0.spec;
      const set = new Set((spec?.env ?? []).map((e) => e.name));
      const from = spec?.envFrom ?? [];
      const cms = from.map((f) =>
        f.configMapRef?.name
          ? facts.references.find((r) => r.kind === 'ConfigMap' && r.name === f.configMapRef?.name && r.exists)
          : undefined,
      );
      const known =
        from.length === 0 || (cms.every((r) => r !== undefined) && from.every((f) => !f.secretRef && !f.prefix));
      for (const r of cms) for (const k of r?.keys ?? []) set.add(k);
      const tokens = err.line.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g) ?? [];
      missingEnv = known ? (tokens.find((t) => !set.has(t)) ?? null) : null;
      if (missingEnv) {
        const where =
          cms.length > 0
            ? ` nor its envFrom ConfigMap ${list(cms.map((r) => `${r?.name} (keys: ${list(r?.keys ?? [], 4)})`))}`
            : '';
        signals.push(
          signal(
            'spec',
            workloadRef(facts),
            null,
            `Neither container ${err.log.container}${where} sets ${missingEnv}, which its log complains about`,
          ),
        );
      }
    }
    const ns = facts.target.namespace;
    // Roll back only when the last rollout could have brought the crash: a previous revision to go
    // back to, and timing does not exonerate it.
    const r = d.lastRollout;
    const exonerated = rolloutExonerated(d);
    const rolledAt = ms(r?.createdAt);
    const ff = ms(d.firstFailure);
    const gap = rolledAt !== null && ff !== null && ff >= rolledAt ? ff - rolledAt : null;
    const undo = `kubectl -n ${ns} rollout undo ${targetKubectl(facts)}`;
    const rollback =
      r?.previous && !exonerated
        ? `If the last rollout (revision ${r.revision.revision}${gap !== null ? `, ${human(gap)} before the first failure` : ''}) introduced the crash, roll back: ${undo}.`
        : r && exonerated
          ? `The last rollout (revision ${r.revision.revision}) was ${human(exonerated.gapMs)} before the first failure: rolling back is unlikely to help; look for what changed outside the pod template (ConfigMap/Secret contents, a dependency, data).`
          : '';
    const advice =
      `Read the crash output: kubectl logs -n ${ns} ${c0.pod} -c ${c0.name} --previous. ` +
      (missingEnv
        ? `Set ${missingEnv} (kubectl -n ${ns} set env ${targetKubectl(facts)} ${missingEnv}=<value>) or restore the config that provided it.`
        : 'Fix the configuration, flags or dependency it rejects.') +
      (rollback ? ` ${rollback}` : '');
    const workload = facts.target.workload?.metadata?.name ?? facts.target.name;
    const who = names.length === 1 && names[0] === workload ? workload : `${list(names)} on ${workload}`;
    return {
      kind: 'match',
      summary: `${who} crashes on its own: ${how}${err ? ` — "${quote(err.line, 100)}"` : ''}`,
      signals,
      trigger: null,
      fix: null,
      advice,
      explains: [],
    };
  },
};
