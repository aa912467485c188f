/**
 * Background jobs of the bot process: at start, settle fixes a previous process left half-applied and watch
 * again the rollouts it was still watching; then every
 * `expireEveryMs` expire stale fix proposals. A plain `setInterval` (unref'd, so it never keeps the process
 * alive) with a guard so one run never overlaps the next.
 */
import type { BotDeps } from '../bot/deps.js';
import { recoverInterrupted } from '../fixes/apply-fix.js';
import { reportRecovered, resumeVerifications } from '../slack/listeners/views/fix-report.js';
import { expireApprovals } from './expire-approvals.js';

export interface JobOptions {
  /** Default 30 s. */
  expireEveryMs?: number;
}

export interface Jobs {
  /** Stops the timer and waits for running work (including rollout watches). */
  stop(): Promise<void>;
}

export function startJobs(deps: BotDeps, opts: JobOptions = {}): Jobs {
  let running: Promise<void> | null = null;
  const guarded = (name: string, work: () => Promise<unknown>) => {
    if (running) return;
    running = work()
      .then(() => undefined)
      .catch((err) => deps.log.error(`job ${name} failed`, { err: err as Error }))
      .finally(() => {
        running = null;
      });
  };
  guarded('recover interrupted fixes', async () => {
    for (const r of await recoverInterrupted(deps)) await reportRecovered(deps, r);
    await resumeVerifications(deps);
  });
  const timer = setInterval(
    () => guarded('expire approvals', () => expireApprovals(deps)),
    opts.expireEveryMs ?? 30_000,
  );
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await deps.fixes.background.stop();
      await running;
    },
  };
}
