/**
 * FM-36: a Job hit BackoffLimitExceeded or DeadlineExceeded (CronJob: its latest run failed).
 * Independent signals: the failure record of the latest failed Job (the job-controller's event, the
 * Job's `Failed` condition or the CronJob's `SawCompletedJob`: one observation); for a CronJob,
 * other runs that failed since the last success (recurrence); for deadlines, activeDeadlineSeconds
 * against how long the runs lasted (spec vs timing), earlier successful runs' durations (trend) and
 * the running Job's progress (log); for backoff, the failed pods' exit codes (status) and the error
 * in their logs (log). A CronJob's recent Jobs (`facts.jobs`) give each run's start time and its
 * Failed/Complete condition, which outlive the events. When nothing read names a reason, a run that
 * failed only once it had been active for activeDeadlineSeconds is a deadline failure. A CronJob
 * whose latest run completed after the failure is ruled out.
 */
import type { CauseId } from '../../domain/causes.js';
import type { Ev } from '../../domain/facts.js';
import type { KubeObject, Pod } from '../../domain/k8s.js';
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
const FAIL_REASONS = ['BackoffLimitExceeded', 'DeadlineExceeded', 'PodFailurePolicy', 'MaxFailedIndexesExceeded'];
/** The job controller checks the deadline on sync: a failure this close to it counts as reaching it. */
const DEADLINE_SLACK_MS = 5_000;

interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

interface FailedRun {
  job: string;
  /** When it failed (the controller's event, the condition, or when the CronJob saw it). */
  at: string | null;
  /** The failure reason when an event or condition names it. */
  reason: string | null;
  /** When the run started (Job startTime / creation, or the CronJob's `Created job` event). */
  started: string | null;
  ev: Ev | null;
}

/** `15m04s`, `1h02m`. */
function duration(v: number): string {
  const s = Math.round(v / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2}))/;
const PERCENT = /\b(\d{1,2}(?:\.\d+)?)\s?%/;
const RATIO = /\b(\d[\d,]*)\s?\/\s?(\d[\d,]*)\b/;
const PROGRESSISH = /progress|processed|complete|done|rows|records|items|batch|step/i;

/**
 * How far a running job has got, from its latest timestamped progress line (`progress 764,963/1,912,408
 * rows (40%)`): the fraction done and when. Null without such a line.
 */
function progressOf(lines: readonly string[]): { fraction: number; at: string; line: string } | null {
  for (const line of [...lines].reverse()) {
    const at = STAMP.exec(line)?.[1];
    if (!at || !PROGRESSISH.test(line)) continue;
    const pct = PERCENT.exec(line);
    let fraction = pct ? Number(pct[1]) / 100 : Number.NaN;
    if (!Number.isFinite(fraction)) {
      const r = RATIO.exec(line);
      const done = Number((r?.[1] ?? '').replace(/,/g, ''));
      const total = Number((r?.[2] ?? '').replace(/,/g, ''));
      if (r && total > 0 && done <= total) fraction = done / total;
    }
    if (Number.isFinite(fraction) && fraction > 0 && fraction < 1) return { fraction, at, line };
  }
  return null;
}

/** The Job's terminal condition of that type (Failed/FailureTarget or Complete) when True. */
function conditionOf(job: KubeObject | null | undefined, types: readonly string[]): JobCondition | undefined {
  return ((job?.status?.conditions ?? []) as JobCondition[]).find((c) => types.includes(c.type) && c.status === 'True');
}

function jobOfPod(p: Pod): string | null {
  const labels = p.metadata?.labels ?? {};
  return (
    (p.metadata?.ownerReferences ?? []).find((o) => o.kind === 'Job')?.name ??
    labels['batch.kubernetes.io/job-name'] ??
    labels['job-name'] ??
    null
  );
}

export const jobFailed: Rule = {
  id: 'job-failed',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const w = scope.workload;
    if (!w || (w.kind !== 'Job' && w.kind !== 'CronJob')) return null;
    const ns = scope.namespace;
    const workload = facts.target.workload;
    // The Job object when the target is one (a Job owned by a CronJob resolves to the CronJob).
    const jobObject = facts.target.kind === 'Job' ? facts.target.object : w.kind === 'Job' ? workload : null;
    const targetJob = facts.target.kind === 'Job' ? facts.target.name : w.kind === 'Job' ? w.name : null;
    const failedCond = conditionOf(jobObject, ['Failed', 'FailureTarget']);
    // The CronJob's recent runs as read (not the target Job itself: that one is jobObject).
    const runJobs = w.kind === 'CronJob' ? (facts.jobs ?? []).filter((j) => j.metadata?.name !== targetJob) : [];
    const failedJobs = runJobs
      .map((j) => ({ job: j.metadata?.name ?? '', cond: conditionOf(j, ['Failed', 'FailureTarget']) }))
      .filter((x): x is { job: string; cond: JobCondition } => x.job !== '' && !!x.cond);
    const jobEvents = ownerEvents(facts, scope, FAIL_REASONS).filter((e) => e.kind === 'Job');
    const saw = ownerEvents(facts, scope, ['SawCompletedJob']);
    const sawFailed = saw.filter((e) => /condition: Failed/.test(e.message));
    const lastFail: Ev | null = latestOf(jobEvents, (e) => e.last);
    const lastSawFailed = latestOf(sawFailed, (e) => e.last);
    const lastFailedJob = latestOf(failedJobs, (x) => x.cond.lastTransitionTime);
    if (!lastFail && !failedCond && !lastSawFailed && !lastFailedJob) return null;

    // The latest successful run: the CronJob's `Saw completed job … Complete` or a Job's Complete condition.
    const completions: { at: string; text: string }[] =
      w.kind === 'CronJob'
        ? [
            ...saw
              .filter((e) => /condition: Complete/.test(e.message))
              .map((e) => ({ at: e.last, text: quote(e.message, 80) })),
            ...runJobs.flatMap((j) => {
              const c = conditionOf(j, ['Complete']);
              const at = c?.lastTransitionTime ?? j.status?.completionTime;
              return c && at ? [{ at: at as string, text: `Job ${j.metadata?.name} Complete` }] : [];
            }),
          ]
        : [];
    const lastOk = latestOf(completions, (c) => c.at);
    if (w.kind === 'CronJob') {
      const failTime =
        latestOf(
          [lastSawFailed?.last, lastFail?.last, lastFailedJob?.cond.lastTransitionTime].filter((t): t is string => !!t),
          (t) => t,
        ) ?? null;
      if (lastOk && ms(lastOk.at) > ms(failTime)) {
        return {
          kind: 'ruled-out',
          reason: `the latest run of CronJob ${w.name} completed (${lastOk.text} at ${clock(lastOk.at)}) after the failed one at ${clock(failTime)}.`,
        };
      }
    }

    // Every failed run in view, with when it started and failed.
    const created = new Map<string, string>();
    for (const e of ownerEvents(facts, scope, ['SuccessfulCreate'])) {
      const j = e.kind === 'CronJob' ? /Created job ([\w.-]+)/.exec(e.message)?.[1] : undefined;
      if (j) created.set(j, e.first ?? e.last);
    }
    // A Job's own startTime is what its deadline counts from.
    for (const j of runJobs) {
      const start = j.status?.startTime ?? j.metadata?.creationTimestamp;
      if (start && j.metadata?.name) created.set(j.metadata.name, start);
    }
    if (targetJob) {
      const start = jobObject?.status?.startTime ?? jobObject?.metadata?.creationTimestamp;
      if (start) created.set(targetJob, start);
    }
    const runs = new Map<string, FailedRun>();
    const note = (job: string, at: string | null, reason: string | null, ev: Ev | null) => {
      const r = runs.get(job) ?? { job, at: null, reason: null, started: created.get(job) ?? null, ev: null };
      if (at && (!r.at || ms(at) < ms(r.at))) r.at = at;
      if (reason && !r.reason) r.reason = reason;
      if (ev && (!r.ev || r.ev.reason === 'SawCompletedJob')) r.ev = ev;
      runs.set(job, r);
    };
    for (const e of jobEvents) note(e.object, e.first ?? e.last, e.reason, e);
    if (failedCond && targetJob)
      note(targetJob, failedCond.lastTransitionTime ?? null, failedCond.reason ?? null, null);
    for (const x of failedJobs) note(x.job, x.cond.lastTransitionTime ?? null, x.cond.reason ?? null, null);
    for (const e of sawFailed) {
      const j = /job: ([\w.-]+)/.exec(e.message)?.[1];
      if (j) note(j, e.last, null, e);
    }
    // Only failures since the last successful run count as this incident.
    const failed = [...runs.values()]
      .filter((r) => !lastOk || ms(r.at) > ms(lastOk.at))
      .sort((a, b) => ms(a.at) - ms(b.at));
    const latest = failed[failed.length - 1] ?? null;
    const jobName =
      targetJob && runs.has(targetJob)
        ? targetJob
        : lastFail?.kind === 'Job'
          ? lastFail.object
          : (latest?.job ?? targetJob ?? w.name);

    // The failed Job's spec: the Job itself when it is the target or was read, else the CronJob's jobTemplate.
    const readJob = runJobs.find((j) => j.metadata?.name === jobName);
    const jobSpec =
      jobObject && targetJob === jobName
        ? jobObject.spec
        : readJob
          ? readJob.spec
          : w.kind === 'Job'
            ? workload?.spec
            : workload?.spec?.jobTemplate?.spec;
    const deadline: number | undefined =
      jobSpec?.activeDeadlineSeconds ?? workload?.spec?.jobTemplate?.spec?.activeDeadlineSeconds;
    const backoff: number | undefined = jobSpec?.backoffLimit ?? workload?.spec?.backoffLimit;

    // How long the failed runs lasted, against the deadline.
    const timed = failed
      .filter((r) => r.started && r.at)
      .map((r) => ({ run: r, took: ms(r.at) - ms(r.started) }))
      .filter((t) => Number.isFinite(t.took) && t.took >= 0);
    const reachedDeadline =
      typeof deadline === 'number' &&
      timed.length > 0 &&
      timed.every((t) => t.took >= deadline * 1000 - DEADLINE_SLACK_MS);
    const named =
      runs.get(jobName)?.reason ??
      failedCond?.reason ??
      latestOf(jobEvents, (e) => e.last)?.reason ??
      lastFailedJob?.cond.reason ??
      null;
    // No reason in the events read: a run that failed only once active for activeDeadlineSeconds hit it.
    const reason = named ?? (reachedDeadline ? 'DeadlineExceeded' : null);
    const isDeadline = reason === 'DeadlineExceeded';

    const signals: Evidence[] = [];
    const record = runs.get(jobName)?.ev ?? lastFail;
    if (record && record.reason !== 'SawCompletedJob')
      signals.push(
        eventSignal(record, `${record.reason} on Job ${record.object}${times(record)}: ${quote(record.message)}.`),
      );
    else if ((failedCond && targetJob === jobName) || conditionOf(readJob, ['Failed', 'FailureTarget'])) {
      const cond = (targetJob === jobName ? failedCond : null) ?? conditionOf(readJob, ['Failed', 'FailureTarget']);
      signals.push(
        statusSignal(
          ref(ns, 'Job', jobName),
          cond?.lastTransitionTime ?? null,
          `Job ${jobName} Failed=True (${cond?.reason}): ${quote(cond?.message ?? '')}.`,
        ),
      );
    } else if (record) signals.push(eventSignal(record, `${record.reason}: ${quote(record.message)}.`));

    // A CronJob whose runs keep failing: the other failed runs since the last success.
    const others = failed.filter((r) => r.job !== jobName);
    const lastSuccess: string | undefined = w.kind === 'CronJob' ? workload?.status?.lastSuccessfulTime : undefined;
    let recurrence = '';
    if (w.kind === 'CronJob' && others.length > 0) {
      const all = failed.map((r) => `${r.job}${r.at ? ` at ${clock(r.at)}` : ''}`);
      recurrence = `${failed.length} runs in a row failed${lastSuccess ? ` (last success ${clock(lastSuccess)})` : ''}`;
      const first = others[0];
      signals.push({
        kind: 'event',
        ref: ref(ns, 'CronJob', w.name),
        time: first?.at ?? null,
        text: `${failed.length} runs of CronJob ${w.name} failed with no success in between: ${all.join(', ')}${lastSuccess ? `; its last successful run was at ${clock(lastSuccess)} (status.lastSuccessfulTime)` : ''}.`,
      });
    }

    // Only the failed Job's own pods speak for it (a CronJob's scope also holds its other runs).
    const ofJob = (name: string): boolean => {
      const p = scope.pods.find((x) => x.metadata?.name === name);
      if (p) return jobOfPod(p) === jobName;
      return name.startsWith(`${jobName}-`);
    };
    const failedPods = scope.pods.filter(
      (p) =>
        ofJob(p.metadata?.name ?? '') &&
        (p.status?.phase === 'Failed' ||
          (p.status?.containerStatuses ?? []).some(
            (c) => (c.state?.terminated?.exitCode ?? 0) !== 0 || (c.lastState?.terminated?.exitCode ?? 0) !== 0,
          )),
    );
    const terminations = failedPods.flatMap((p) =>
      (p.status?.containerStatuses ?? [])
        .map((c) => c.state?.terminated ?? c.lastState?.terminated)
        .filter((t) => t && (t.exitCode ?? 0) !== 0),
    );
    const exits = terminations.map((t) => `exit ${t?.exitCode} (${t?.reason ?? 'Error'})`);
    // Exits other than the SIGTERM/SIGKILL of being stopped: the pods crashed on their own too.
    const crashed = terminations.some((t) => t?.exitCode !== 137 && t?.exitCode !== 143);
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
        time: STAMP.exec(line)?.[1] ?? null,
        text: `${l.container}${l.previous ? ' (previous)' : ''}: ${quote(line, 300)}`,
      });
      break;
    }

    let trend = '';
    let overrun = '';
    let running: string | null = null;
    if (isDeadline && typeof deadline === 'number') {
      // The deadline against how long the failed runs lasted.
      if (timed.length > 0) {
        const took = timed.map((t) => t.took);
        const lo = Math.min(...took);
        const hi = Math.max(...took);
        const span = lo === hi || hi - lo < 1000 ? duration(hi) : `${duration(lo)}–${duration(hi)}`;
        signals.push(
          specSignal(
            ref(ns, 'Job', jobName),
            `activeDeadlineSeconds is ${deadline}s (${duration(deadline * 1000)}) and ${timed.length > 1 ? `${timed.length} failed runs (${timed.map((t) => t.run.job).join(', ')}) each` : `Job ${timed[0]?.run.job}`} failed ${span} after it started: stopped at the deadline, not by a pod error or the backoff limit.`,
            latestOf(timed, (t) => t.run.at)?.run.at ?? null,
          ),
        );
      } else {
        signals.push(specSignal(ref(ns, 'Job', jobName), `activeDeadlineSeconds is ${deadline}s.`));
      }
      // Earlier successful runs (other Jobs of the same CronJob): how long they took against the deadline.
      const done = scope.pods
        .filter((p) => !ofJob(p.metadata?.name ?? '') && p.status?.phase === 'Succeeded')
        .map((p) => {
          const t = (p.status?.containerStatuses ?? []).map((c) => c.state?.terminated).find((x) => x?.startedAt);
          const d = ms(t?.finishedAt) - ms(t?.startedAt);
          return { pod: p.metadata?.name ?? '', start: t?.startedAt ?? '', d };
        })
        .filter((r) => Number.isFinite(r.d) && r.d > 0)
        .sort((a, b) => ms(a.start) - ms(b.start))
        .slice(-5);
      if (done.length >= 2) {
        const longest = Math.max(...done.map((r) => r.d));
        const growing = done.every((r, i) => i === 0 || r.d >= (done[i - 1]?.d ?? 0));
        const near = longest >= 0.7 * deadline * 1000;
        trend = near
          ? `earlier runs took ${done.map((r) => duration(r.d)).join(', ')}${growing ? ', growing' : ''}, close to the ${duration(deadline * 1000)} deadline`
          : `earlier runs took only ${done.map((r) => duration(r.d)).join(', ')}: this run was unusually slow or stuck`;
        signals.push(
          statusSignal(
            ref(ns, 'Pod', done[done.length - 1]?.pod ?? ''),
            done[done.length - 1]?.start ?? null,
            `${plural(done.length, 'earlier successful run')} of the same job took ${done.map((r) => duration(r.d)).join(', ')} against activeDeadlineSeconds ${deadline}s${near ? `${growing ? ' and keep growing' : ''}: the work now needs about as long as the deadline allows` : ': this run was far slower than usual'}.`,
          ),
        );
      }
      // The run in progress (another Job of the CronJob): on course to overrun the deadline too?
      const active = scope.pods
        .filter((p) => p.status?.phase === 'Running' && !ofJob(p.metadata?.name ?? '') && !runs.has(jobOfPod(p) ?? ''))
        .map((p) => {
          const start =
            (p.status?.containerStatuses ?? []).map((c) => c.state?.running?.startedAt).find(Boolean) ??
            p.status?.startTime ??
            null;
          const log = facts.logs.find(
            (l) => l.pod === p.metadata?.name && l.namespace === (p.metadata?.namespace ?? ns) && !l.previous,
          );
          return { pod: p, job: jobOfPod(p), start, log, progress: log ? progressOf(log.lines) : null };
        });
      const cur = latestOf(active, (a) => a.start);
      if (cur?.job) running = cur.job;
      if (cur?.start && cur.progress && cur.log) {
        const elapsed = ms(cur.progress.at) - ms(cur.start);
        const needed = elapsed / cur.progress.fraction;
        if (elapsed > 0 && needed > deadline * 1000) {
          const pct = Math.round(cur.progress.fraction * 100);
          overrun = `the running Job ${cur.job ?? cur.pod.metadata?.name} is ${pct}% done after ${duration(elapsed)}: at that rate it needs about ${duration(needed)} and will hit the deadline too`;
          signals.push({
            kind: 'log',
            ref: ref(ns, 'Pod', cur.pod.metadata?.name ?? ''),
            time: cur.progress.at,
            text: `${cur.log.container} of the running Job ${cur.job ?? ''} reports ${pct}% done ${duration(elapsed)} after it started (${quote(cur.progress.line, 200)}): about ${duration(needed)} in all, over the ${duration(deadline * 1000)} deadline.`,
          });
        }
      }
    }

    const dl = typeof deadline === 'number' ? ` (${deadline}s)` : '';
    const tail = [recurrence, trend, overrun].filter(Boolean);
    const summary = isDeadline
      ? `Job ${jobName} ran longer than its deadline${dl} and was failed: the job controller stopped it at the deadline${crashed ? ' (its pods also exited with errors)' : ''}${tail.length > 0 ? `; ${tail.join('; ')}` : ''}${errorLine ? `; its last log line: ${quote(errorLine, 140)}` : '.'}`
      : reason
        ? `Job ${jobName} failed (${reason}${typeof backoff === 'number' ? `, backoffLimit ${backoff}` : ''})${recurrence ? `; ${recurrence}` : ''}${errorLine ? `: ${quote(errorLine, 160)}` : reason === 'BackoffLimitExceeded' || failedPods.length > 0 ? ': its pods exited with errors.' : '.'}`
        : `Job ${jobName} failed${recurrence ? `; ${recurrence}` : ''}${errorLine ? `: ${quote(errorLine, 160)}` : failedPods.length > 0 ? ': its pods exited with errors.' : '; the events read do not say whether it hit its backoff limit or its deadline.'}`;
    const explains: CauseId[] = isDeadline ? [] : ['app-crash'];

    const rerun =
      w.kind === 'CronJob'
        ? `; then re-run: kubectl -n ${ns} create job ${w.name}-manual --from=cronjob/${w.name}.`
        : '; then re-create the Job.';
    const forbid =
      w.kind === 'CronJob' && workload?.spec?.concurrencyPolicy === 'Forbid'
        ? ' With concurrencyPolicy Forbid an overrunning run also holds back the next one.'
        : '';
    const watch = running ?? jobName;
    let advice: string;
    if (isDeadline && trend && !trend.startsWith('earlier runs took only')) {
      advice = `The work has grown to about the deadline: raise activeDeadlineSeconds with headroom above the recent run times, or speed up / split the job (a capacity decision for its owners, no automatic patch)${rerun}${forbid}`;
    } else if (isDeadline) {
      advice =
        `The run takes longer than its activeDeadlineSeconds${dl}, so the job controller stops it${crashed ? ` (its pods also exited with errors: kubectl -n ${ns} logs job/${jobName} --previous)` : ' (its pods were stopped, not crashed: --previous logs will not show the cause)'}. ` +
        `Find out why it is slow: the running or latest run's log (kubectl -n ${ns} logs job/${watch}), slow queries or dependencies, CPU throttling against its requests/limits, a backlog of work. ` +
        `Then speed it up or split the work, or raise activeDeadlineSeconds with headroom above the real run time (a decision for its owners, no automatic patch); kubectl -n ${ns} describe job ${jobName}${rerun}${forbid}`;
    } else if (reason || failedPods.length > 0 || errorLine) {
      advice = `Read the failed pods' logs (kubectl -n ${ns} logs job/${jobName} --previous; kubectl -n ${ns} describe job ${jobName}) and fix that error${rerun}`;
    } else {
      advice = `Check why Job ${jobName} failed: kubectl -n ${ns} describe job ${jobName} (its Failed condition says BackoffLimitExceeded, pods exiting with errors: read their logs; or DeadlineExceeded, the run outlasting activeDeadlineSeconds: find why it is slow or raise the deadline)${rerun}`;
    }
    return {
      kind: 'match',
      summary,
      signals,
      trigger: null,
      fix: null,
      advice,
      explains,
    };
  },
};
