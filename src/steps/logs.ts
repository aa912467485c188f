/** Logs of the failing containers, current and previous, redacted and capped. */
import type { LogFacts } from '../domain/facts.js';
import type { ContainerStatus, Pod } from '../domain/k8s.js';
import { redact } from '../engine/redact.js';
import { podIsTroubled, restarts } from './lib.js';
import type { Step, StepContext } from './step.js';

const TAIL = 100;
const MAX_BYTES = 64 * 1024;
const MAX_LINE = 500;

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
    const picks = (troubled.length > 0 ? troubled : pods).slice(0, troubled.length > 0 ? 2 : 1);
    const results = (
      await Promise.all(
        picks.map((p, i) => {
          const c = pickContainer(p);
          if (!c) return [];
          // second pod: previous logs only, to confirm the pattern repeats
          const status = i === 0 || !c.status ? c.status : { ...c.status, state: { waiting: { reason: 'skip' } } };
          return readLogs(ctx, p, c.name, status);
        }),
      )
    ).flat();
    const notes = results
      .filter((l) => l.lines.length > 0)
      .map((l) => ({
        time: null,
        text: `${l.previous ? 'previous' : 'current'} logs of ${l.pod}/${l.container} end with: ${l.lines.at(-1)}`,
        ref: `${l.namespace}/Pod/${l.pod}`,
      }));
    if (picks.length === 0) return { status: 'skipped' };
    return { facts: { logs: results }, notes };
  },
};
