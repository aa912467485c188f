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

    // The pods' own failures.
    const failedPods = scope.pods.filter(
      (p) =>
        p.status?.phase === 'Failed' ||
        (p.status?.containerStatuses ?? []).some(
          (c) => (c.state?.terminated?.exitCode ?? 0) !== 0 || (c.lastState?.terminated?.exitCode ?? 0) !== 0,
        ),
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
    const logs = facts.logs.filter((l) => scope.isPod(l.pod, l.namespace) && l.lines.length > 0);
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
    const deadline = job?.spec?.activeDeadlineSeconds;
    if (reason === 'DeadlineExceeded' && typeof deadline === 'number') {
      signals.push(
        specSignal(ref(ns, 'Job', w.kind === 'Job' ? w.name : jobName), `activeDeadlineSeconds is ${deadline}s.`),
      );
    }
    const backoff = job?.spec?.backoffLimit;
    const summary =
      reason === 'DeadlineExceeded'
        ? `Job ${jobName} ran longer than its deadline${typeof deadline === 'number' ? ` (${deadline}s)` : ''} and was failed${errorLine ? `; last log line: ${quote(errorLine, 140)}` : '.'}`
        : `Job ${jobName} failed (${reason}${typeof backoff === 'number' ? `, backoffLimit ${backoff}` : ''})${errorLine ? `: ${quote(errorLine, 160)}` : ': its pods exited with errors.'}`;
    const explains: CauseId[] = reason === 'DeadlineExceeded' ? [] : ['app-crash'];
    return {
      kind: 'match',
      summary,
      signals,
      trigger: null,
      fix: null,
      advice:
        `Read the failed pods' logs (kubectl -n ${ns} logs job/${jobName} --previous; kubectl -n ${ns} describe job ${jobName}) and fix that error` +
        (reason === 'DeadlineExceeded'
          ? ', or raise activeDeadlineSeconds if the work legitimately takes longer'
          : '') +
        (w.kind === 'CronJob'
          ? `; then re-run: kubectl -n ${ns} create job ${w.name}-manual --from=cronjob/${w.name}.`
          : '; then re-create the Job.'),
      explains,
    };
  },
};
