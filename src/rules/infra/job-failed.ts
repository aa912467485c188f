/**
 * FM-36: a Job hit BackoffLimitExceeded or DeadlineExceeded (CronJob: its latest run failed).
 * Keys on the job-controller's event / the Job's `Failed` condition (one observation), the failed
 * pods' exit codes (status), the error in their logs (log) and, for deadlines, activeDeadlineSeconds
 * (spec). A CronJob whose latest run completed after the failure is ruled out.
 */
import type { CauseId } from '../../domain/causes.js';
import type { Ev } from '../../domain/facts.js';
import type { Evidence } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  eventSignal,
  latestOf,
  ms,
  ownerEvents,
  plural,
  quote,
  ref,
  specSignal,
  statusSignal,
  times,
} from './common.js';

const ERRORISH = /error|exception|fatal|failed|refused|timeout|timed out|panic|denied|not found|unable|cannot/i;

export const jobFailed: Rule = {
  id: 'job-failed',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const w = scope.workload;
    if (!w || (w.kind !== 'Job' && w.kind !== 'CronJob')) return null;
    const ns = scope.namespace;
    const job = facts.target.workload;
    const failedCond =
      w.kind === 'Job'
        ? (
            (job?.status?.conditions ?? []) as {
              type: string;
              status: string;
              reason?: string;
              message?: string;
              lastTransitionTime?: string;
            }[]
          ).find((c) => (c.type === 'Failed' || c.type === 'FailureTarget') && c.status === 'True')
        : undefined;
    const jobEvents = ownerEvents(facts, scope, [
      'BackoffLimitExceeded',
      'DeadlineExceeded',
      'PodFailurePolicy',
      'MaxFailedIndexesExceeded',
    ]);
    const saw = ownerEvents(facts, scope, ['SawCompletedJob']);
    const sawFailed = saw.filter((e) => /condition: Failed/.test(e.message));
    const lastFail: Ev | null = latestOf(jobEvents, (e) => e.last);
    const lastSawFailed = latestOf(sawFailed, (e) => e.last);
    if (!lastFail && !failedCond && !lastSawFailed) return null;

    if (w.kind === 'CronJob') {
      const ok = latestOf(
        saw.filter((e) => /condition: Complete/.test(e.message)),
        (e) => e.last,
      );
      const failTime = lastSawFailed?.last ?? lastFail?.last ?? null;
      if (ok && ms(ok.last) > ms(failTime)) {
        return {
          kind: 'ruled-out',
          reason: `the latest run of CronJob ${w.name} completed (${quote(ok.message, 80)} at ${clock(ok.last)}) after the failed one at ${clock(failTime)}.`,
        };
      }
    }

    const signals: Evidence[] = [];
    const reason = lastFail?.reason ?? failedCond?.reason ?? 'Failed';
    const jobName =
      lastFail?.kind === 'Job'
        ? lastFail.object
        : lastSawFailed
          ? (/job: ([\w.-]+)/.exec(lastSawFailed.message)?.[1] ?? w.name)
          : w.name;
    if (lastFail)
      signals.push(
        eventSignal(
          lastFail,
          `${lastFail.reason} on Job ${lastFail.object}${times(lastFail)}: ${quote(lastFail.message)}.`,
        ),
      );
    else if (failedCond) {
      signals.push(
        statusSignal(
          ref(ns, 'Job', w.name),
          failedCond.lastTransitionTime ?? null,
          `Job ${w.name} Failed=True (${failedCond.reason}): ${quote(failedCond.message ?? '')}.`,
        ),
      );
    } else if (lastSawFailed)
      signals.push(eventSignal(lastSawFailed, `${lastSawFailed.reason}: ${quote(lastSawFailed.message)}.`));

    // Only the failed Job's own pods speak for it (a CronJob's scope also holds its earlier runs).
    const ofJob = (name: string): boolean => {
      const p = scope.pods.find((x) => x.metadata?.name === name);
      if (p) {
        const labels = p.metadata?.labels ?? {};
        return (
          (p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Job' && o.name === jobName) ||
          labels['batch.kubernetes.io/job-name'] === jobName ||
          labels['job-name'] === jobName
        );
      }
      return name.startsWith(`${jobName}-`);
    };
    // The pods' own failures.
    const failedPods = scope.pods.filter(
      (p) =>
        ofJob(p.metadata?.name ?? '') &&
        (p.status?.phase === 'Failed' ||
          (p.status?.containerStatuses ?? []).some(
            (c) => (c.state?.terminated?.exitCode ?? 0) !== 0 || (c.lastState?.terminated?.exitCode ?? 0) !== 0,
          )),
    );
    const exits = failedPods.flatMap((p) =>
      (p.status?.containerStatuses ?? [])
        .map((c) => c.state?.terminated ?? c.lastState?.terminated)
        .filter((t) => t && (t.exitCode ?? 0) !== 0)
        .map((t) => `exit ${t?.exitCode} (${t?.reason ?? 'Error'})`),
    );
    if (failedPods.length > 0) {
      signals.push(
        statusSignal(
          ref(ns, 'Pod', failedPods[0]?.metadata?.name ?? ''),
          null,
          `${plural(failedPods.length, 'pod')} of the job failed${exits.length > 0 ? `: ${[...new Set(exits)].join(', ')}` : ''}${facts.deletedPods.length > 0 ? ` (+${facts.deletedPods.length} deleted)` : ''}.`,
        ),
      );
    }
    const logs = facts.logs.filter((l) => scope.isPod(l.pod, l.namespace) && ofJob(l.pod) && l.lines.length > 0);
    let errorLine: string | null = null;
    for (const l of logs) {
      const line = [...l.lines].reverse().find((x) => ERRORISH.test(x)) ?? l.lines[l.lines.length - 1] ?? null;
      if (!line) continue;
      errorLine = line;
      signals.push({
        kind: 'log',
        ref: ref(l.namespace, 'Pod', l.pod),
        time: /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(line)?.[1] ?? null,
        text: `${l.container}${l.previous ? ' (previous)' : ''}: ${quote(line, 300)}`,
      });
      break;
    }
    // The failed Job's spec: the Job itself when it is the target, else the CronJob's jobTemplate.
    const jobSpec =
      facts.target.kind === 'Job' && facts.target.name === jobName
        ? facts.target.object?.spec
        : w.kind === 'Job'
          ? job?.spec
          : job?.spec?.jobTemplate?.spec;
    const deadline: number | undefined =
      jobSpec?.activeDeadlineSeconds ?? job?.spec?.jobTemplate?.spec?.activeDeadlineSeconds;
    let trend = '';
    if (reason === 'DeadlineExceeded' && typeof deadline === 'number') {
      signals.push(specSignal(ref(ns, 'Job', jobName), `activeDeadlineSeconds is ${deadline}s.`));
      // Earlier successful runs (other Jobs of the same CronJob): how long they took against the deadline.
      const runs = scope.pods
        .filter((p) => !ofJob(p.metadata?.name ?? '') && p.status?.phase === 'Succeeded')
        .map((p) => {
          const t = (p.status?.containerStatuses ?? []).map((c) => c.state?.terminated).find((x) => x?.startedAt);
          const d = ms(t?.finishedAt) - ms(t?.startedAt);
          return { pod: p.metadata?.name ?? '', start: t?.startedAt ?? '', d };
        })
        .filter((r) => Number.isFinite(r.d) && r.d > 0)
        .sort((a, b) => ms(a.start) - ms(b.start))
        .slice(-5);
      if (runs.length >= 2) {
        const fmt = (v: number) =>
          `${Math.floor(v / 60_000)}m${String(Math.round((v % 60_000) / 1000)).padStart(2, '0')}s`;
        const longest = Math.max(...runs.map((r) => r.d));
        const growing = runs.every((r, i) => i === 0 || r.d >= (runs[i - 1]?.d ?? 0));
        const near = longest >= 0.7 * deadline * 1000;
        trend = near
          ? `earlier runs took ${runs.map((r) => fmt(r.d)).join(', ')}${growing ? ', growing' : ''}, close to the ${fmt(deadline * 1000)} deadline`
          : `earlier runs took only ${runs.map((r) => fmt(r.d)).join(', ')}: this run was unusually slow or stuck`;
        signals.push(
          statusSignal(
            ref(ns, 'Pod', runs[runs.length - 1]?.pod ?? ''),
            runs[runs.length - 1]?.start ?? null,
            `${plural(runs.length, 'earlier successful run')} of the same job took ${runs.map((r) => fmt(r.d)).join(', ')} against activeDeadlineSeconds ${deadline}s${near ? `${growing ? ' and keep growing' : ''}: the work now needs about as long as the deadline allows` : ': this run was far slower than usual'}.`,
          ),
        );
      }
    }
    const backoff: number | undefined = jobSpec?.backoffLimit ?? job?.spec?.backoffLimit;
    const summary =
      reason === 'DeadlineExceeded'
        ? `Job ${jobName} ran longer than its deadline${typeof deadline === 'number' ? ` (${deadline}s)` : ''} and was failed${trend ? `; ${trend}` : ''}${errorLine ? `; its last log line: ${quote(errorLine, 140)}` : '.'}`
        : `Job ${jobName} failed (${reason}${typeof backoff === 'number' ? `, backoffLimit ${backoff}` : ''})${errorLine ? `: ${quote(errorLine, 160)}` : ': its pods exited with errors.'}`;
    const explains: CauseId[] = reason === 'DeadlineExceeded' ? [] : ['app-crash'];
    return {
      kind: 'match',
      summary,
      signals,
      trigger: null,
      fix: null,
      advice:
        (trend.startsWith('earlier runs took only') || !trend
          ? `Read the failed pods' logs (kubectl -n ${ns} logs job/${jobName} --previous; kubectl -n ${ns} describe job ${jobName}) and fix that error` +
            (reason === 'DeadlineExceeded'
              ? ', or raise activeDeadlineSeconds if the work legitimately takes longer'
              : '')
          : `The work has grown to about the deadline: raise activeDeadlineSeconds with headroom above the recent run times, or speed up / split the job (a capacity decision for its owners, no automatic patch)`) +
        (w.kind === 'CronJob'
          ? `; then re-run: kubectl -n ${ns} create job ${w.name}-manual --from=cronjob/${w.name}.`
          : '; then re-create the Job.'),
      explains,
    };
  },
};
