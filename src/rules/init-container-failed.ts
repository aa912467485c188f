/**
 * FM-25: an init container fails (bad command, migration exits 1) or loops forever waiting for a
 * dependency; the main containers never start (PodInitializing).
 */
import { type ContainerView, errorLine, isFailedRun, templateContainer } from '../analysis/containers.js';
import { changeOf, type Derived, recentChange } from '../analysis/derive.js';
import { excerpt, list, podRef, quote, ref, signal, workloadRef } from '../analysis/format.js';
import { stripCombined } from '../analysis/probes.js';
import { clock, human, ms, parseLogTimeIso } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

const RUNTIME_ERR = /exec: "[^"]+": [^:]+|no such file or directory|permission denied|executable file not found/;
const OTHER_CAUSES = new Set(['CreateContainerConfigError', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

function failing(c: ContainerView, d: Derived): 'failed' | 'stuck' | null {
  if (!c.init || OTHER_CAUSES.has(c.waitingReason ?? '')) return null;
  if (c.last?.reason === 'OOMKilled' || c.terminated?.reason === 'OOMKilled') return null;
  if (isFailedRun(c.last) || isFailedRun(c.terminated)) return 'failed';
  if (['CrashLoopBackOff', 'RunContainerError', 'CreateContainerError'].includes(c.waitingReason ?? ''))
    return 'failed';
  const since = ms(c.runningSince);
  if (since !== null && d.now - since > 5 * 60_000) return 'stuck';
  return null;
}

export const initContainerFailed: Rule = {
  id: 'init-container-failed',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const bad = d.containers.map((c) => ({ c, how: failing(c, d) })).filter((x) => x.how !== null);
    if (bad.length === 0) return null;
    const ns = facts.target.namespace;
    const { c, how } = bad[0]!;
    const pods = [...new Set(bad.map((x) => x.c.pod))];
    const names = [...new Set(bad.map((x) => x.c.name))];
    const run = c.last ?? c.terminated;
    const signals: Evidence[] = [];
    const statusText =
      how === 'stuck'
        ? `Init container ${c.name} has been running for ${human(d.now - (ms(c.runningSince) ?? d.now))} without finishing on ${pods.length} pod(s); main containers wait (PodInitializing)`
        : `Init container ${list(names)} fails on ${pods.length} pod(s): ${run ? `${run.reason ?? 'Error'} exit ${run.exitCode ?? '?'}${run.message ? ` (${excerpt(run.message, RUNTIME_ERR, 140)})` : ''}` : c.waitingReason}; ${c.restarts} restarts${c.waitingReason ? `, ${c.waitingReason}` : ''}; main containers never start`;
    signals.push(signal('status', podRef(ns, c.pod), run?.finishedAt ?? c.runningSince ?? null, statusText));
    const evs = d.events.filter(
      (e) => e.init && e.container === c.name && e.type === 'Warning' && e.reason === 'Failed',
    );
    const evMsg = evs[0] ? stripCombined(evs[0].message) : null;
    if (evs[0] && evMsg && !(run?.message && evMsg.includes(run.message.slice(0, 40)))) {
      signals.push(
        signal(
          'event',
          podRef(ns, evs[0].object),
          evs[0].first ?? evs[0].last,
          `kubelet: ${quote(evMsg, 180)} (×${evs.reduce((n, e) => n + e.count, 0)})`,
        ),
      );
    }
    const err = errorLine(facts.logs, c.pod, c.name);
    const waitLog =
      how === 'stuck' ? facts.logs.find((l) => l.pod === c.pod && l.container === c.name && l.lines.length > 0) : null;
    if (err) {
      signals.push(
        signal(
          'log',
          podRef(ns, err.log.pod),
          parseLogTimeIso(err.line, facts.now),
          `${c.name} log${err.log.previous ? ' (previous run)' : ''}: "${quote(err.line, 160)}"`,
        ),
      );
    } else if (waitLog) {
      const line = waitLog.lines[waitLog.lines.length - 1]!;
      signals.push(
        signal(
          'log',
          podRef(ns, waitLog.pod),
          parseLogTimeIso(line, facts.now),
          `${c.name} log keeps waiting: "${quote(line, 160)}"`,
        ),
      );
    }
    // The command the runtime could not exec, as written in the spec.
    const exe = /exec: "([^"]+)": executable file not found/.exec(`${run?.message ?? ''} ${evMsg ?? ''}`)?.[1];
    const spec = templateContainer(facts, c.name, true) ?? c.spec;
    const cmd = [...(spec?.command ?? []), ...(spec?.args ?? [])];
    if (exe && cmd.some((part) => part === exe || part.startsWith(`${exe} `) || part.includes(` ${exe} `))) {
      signals.push(
        signal(
          'spec',
          workloadRef(facts),
          null,
          `Init container ${c.name} runs "${quote(cmd.join(' '), 100)}", but "${exe}" does not exist in image ${spec?.image ?? '?'}`,
        ),
      );
    }
    const change = recentChange(d, changeOf(c.name));
    if (change) {
      const r = change.rollout;
      signals.push(
        signal(
          'rollout',
          ref(ns, r.revision.kind, r.revision.name),
          r.createdAt,
          `Revision ${r.revision.revision} (${clock(r.createdAt, facts.now)}) introduced it: ${change.change}`,
        ),
      );
    }
    const lines = facts.logs
      .filter((l) => l.container === c.name)
      .flatMap((l) => l.lines)
      .join('\n')
      .toLowerCase();
    const dep = d.dependencies.find(
      (v) => v.downNow && (lines.includes(v.name.toLowerCase()) || lines.includes(v.dep.host.toLowerCase())),
    );
    if (dep) {
      signals.push(
        signal('status', dep.ref, facts.now, `Service ${dep.name}, which ${c.name} waits for, has no ready endpoints`),
      );
    }
    if (how === 'stuck' && signals.length < 2) return null;
    return {
      kind: 'match',
      summary: `Init container ${list(names)} of ${facts.target.workload?.metadata?.name ?? facts.target.name} ${how === 'stuck' ? 'never finishes' : 'fails'}${dep ? ` (waiting for ${dep.name}, which has no ready endpoints)` : err ? `: "${quote(err.line, 100)}"` : run?.message ? `: ${excerpt(run.message, RUNTIME_ERR, 100)}` : ''}, so the app never starts`,
      signals,
      trigger: change?.text ?? null,
      fix: null,
      advice: `Read it: kubectl -n ${ns} logs ${c.pod} -c ${c.name} --previous. Fix the init command/image${dep ? ` or bring ${dep.name} back` : ''}; give wait loops a timeout so they fail loudly.`,
      explains: ['app-crash', 'readiness-probe-failing', 'bad-rollout'],
    };
  },
};
