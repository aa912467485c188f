/**
 * Logs of the failing containers, current and previous, redacted and capped.
 *
 * A container whose current state is `terminated` (a pod being shut down and killed at its grace
 * period, a failed Job pod) has no previous run: its current log is the ended run's log, so it is
 * read without --previous. When neither picked pod holds such a run, the most recent one among the
 * other pods is read too (one call more, only when a terminated run exists).
 */
import type { LogFacts } from '../domain/facts.js';
import type { ContainerStatus, Pod } from '../domain/k8s.js';
import { redact } from '../engine/redact.js';
import { podIsTroubled, restarts } from './lib.js';
import type { Step, StepContext } from './step.js';

const TAIL = 100;
const MAX_BYTES = 64 * 1024;
const MAX_LINE = 500;

/**
 * The container's current run ended with an error or a kill (not Completed) inside the window, and
 * its log may still be there (not a container the runtime lost: ContainerStatusUnknown).
 */
export function endedRun(c: ContainerStatus | null | undefined, since: Date): boolean {
  const t = c?.state?.terminated;
  if (!t || (t.exitCode ?? 0) === 0 || t.reason === 'ContainerStatusUnknown') return false;
  const f = t.finishedAt ? Date.parse(t.finishedAt) : Number.NaN;
  return !Number.isFinite(f) || f >= since.getTime();
}

/** The pod's most recently ended run (see endedRun) in a regular container, with when it ended. */
function endedContainer(p: Pod, since: Date): { status: ContainerStatus; at: number } | null {
  let best: { status: ContainerStatus; at: number } | null = null;
  for (const c of p.status?.containerStatuses ?? []) {
    if (!endedRun(c, since)) continue;
    const at = Date.parse(c.state?.terminated?.finishedAt ?? '') || 0;
    if (!best || at > best.at) best = { status: c, at };
  }
  return best;
}

function pickContainer(p: Pod): { status: ContainerStatus | null; name: string; init: boolean } | null {
  const init = (p.status?.initContainerStatuses ?? []).find(
    (c) => !c.ready && (c.restartCount ?? 0) > 0 && c.state?.terminated?.reason !== 'Completed',
  );
  if (init) return { status: init, name: init.name, init: true };
  const statuses = p.status?.containerStatuses ?? [];
  const worst = [...statuses].sort(
    (a, b) => (b.restartCount ?? 0) - (a.restartCount ?? 0) || Number(a.ready) - Number(b.ready),
  )[0];
  if (worst) return { status: worst, name: worst.name, init: false };
  const first = p.spec?.containers?.[0];
  return first ? { status: null, name: first.name, init: false } : null;
}

export async function readLogs(
  ctx: StepContext,
  pod: Pod,
  container: string,
  status: ContainerStatus | null,
  tail = TAIL,
) {
  const ns = pod.metadata?.namespace ?? ctx.facts.target.namespace;
  const name = pod.metadata?.name ?? '';
  const out: LogFacts[] = [];
  const wantPrevious = (status?.restartCount ?? 0) > 0 || !!status?.lastState?.terminated;
  const wantCurrent = !status?.state?.waiting || status.state.waiting.reason === 'CrashLoopBackOff';
  const read = async (previous: boolean) => {
    const text = await ctx.tryLogs(ns, name, { container, previous, tailLines: tail, limitBytes: MAX_BYTES });
    if (text === null) {
      out.push({
        pod: name,
        namespace: ns,
        container,
        previous,
        lines: [],
        truncated: false,
        error: 'logs unavailable',
      });
      return;
    }
    const lines = text.split('\n').filter((l) => l.length > 0);
    out.push({
      pod: name,
      namespace: ns,
      container,
      previous,
      lines: lines.slice(-tail).map((l) => redact(l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l)),
      truncated: lines.length > tail || text.length >= MAX_BYTES,
      error: null,
    });
  };
  await Promise.all([wantPrevious ? read(true) : null, wantCurrent ? read(false) : null]);
  return out;
}

export const logs: Step<'logs'> = {
  id: 'logs',
  title: 'Container logs',
  after: ['resolve-target'],
  async run(ctx) {
    const { pods } = ctx.facts;
    const troubled = pods.filter(podIsTroubled).sort((a, b) => restarts(b) - restarts(a));
    const picks: { pod: Pod; name: string; status: ContainerStatus | null; ended: boolean }[] = [];
    for (const [i, p] of (troubled.length > 0 ? troubled : pods).slice(0, troubled.length > 0 ? 2 : 1).entries()) {
      const c = pickContainer(p);
      if (!c) continue;
      const ended = endedRun(c.status, ctx.since);
      // Second pod: previous logs only, to confirm the pattern repeats; and the ended run's log
      // when its container is terminated now (it has no previous run to read).
      const status = i === 0 || !c.status || ended ? c.status : { ...c.status, state: { waiting: { reason: 'skip' } } };
      picks.push({ pod: p, name: c.name, status, ended });
    }
    // No pick holds an ended run: the most recent one among the other pods (one log call).
    if (picks.length > 0 && !picks.some((x) => x.ended)) {
      const other = pods
        .filter((p) => !picks.some((x) => x.pod === p))
        .map((p) => ({ pod: p, c: endedContainer(p, ctx.since) }))
        .filter((x): x is { pod: Pod; c: { status: ContainerStatus; at: number } } => x.c !== null)
        .sort((a, b) => b.c.at - a.c.at)[0];
      if (other) {
        // Its current (ended) run only.
        const status = { ...other.c.status, restartCount: 0, lastState: {} };
        picks.push({ pod: other.pod, name: other.c.status.name, status, ended: true });
      }
    }
    const results = (await Promise.all(picks.map((x) => readLogs(ctx, x.pod, x.name, x.status)))).flat();
    const endedPods = new Set(picks.filter((x) => x.ended).map((x) => `${x.pod.metadata?.name}/${x.name}`));
    const notes = results
      .filter((l) => l.lines.length > 0)
      .map((l) => ({
        time: null,
        text: `${l.previous ? 'previous' : endedPods.has(`${l.pod}/${l.container}`) ? 'terminated run' : 'current'} logs of ${l.pod}/${l.container} end with: ${l.lines.at(-1)}`,
        ref: `${l.namespace}/Pod/${l.pod}`,
      }));
    if (picks.length === 0) return { status: 'skipped' };
    return { facts: { logs: results }, notes };
  },
};
