/**
 * FM-28: the app ignores SIGTERM (PID 1 is a shell that does not forward it) or a preStop hook
 * outlasts terminationGracePeriodSeconds, so every stop ends in SIGKILL (exit 137, reason Error)
 * exactly one grace period after kubelet asked it to stop.
 */
import { templateContainer } from '../analysis/containers.js';
import { type Derived, evTime } from '../analysis/derive.js';
import { list, podRef, quote, signal, workloadRef } from '../analysis/format.js';
import { parseProbeKill, stripCombined } from '../analysis/probes.js';
import { ms } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

const SHELLS = /^(\/bin\/|\/usr\/bin\/)?(sh|bash|ash|dash)$/;

export const gracefulShutdownTimeout: Rule = {
  id: 'graceful-shutdown-timeout',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const grace =
      facts.target.template?.spec?.terminationGracePeriodSeconds ??
      facts.pods[0]?.spec?.terminationGracePeriodSeconds ??
      30;
    const killed: { pod: string; container: string; stop: string; finished: string }[] = [];
    for (const c of d.containers) {
      const t = c.last;
      if (t?.exitCode !== 137 || t.reason === 'OOMKilled' || !t.finishedAt) continue;
      const f = ms(t.finishedAt)!;
      const stop = d.events.find((e) => {
        if (e.reason !== 'Killing' || e.object !== c.pod || (e.container && e.container !== c.name)) return false;
        const s = ms(e.last) ?? ms(evTime(e));
        return s !== null && Math.abs(f - s - grace * 1000) <= 5000;
      });
      if (!stop) continue;
      // A run ended by a failed liveness/startup probe is that probe's story (its cause explains the
      // restarts); a slow shutdown only lengthens it, so such stops are not counted here.
      if (parseProbeKill(stop)) continue;
      killed.push({ pod: c.pod, container: c.name, stop: stop.last, finished: t.finishedAt });
    }
    const overrun = d.events.filter(
      (e) =>
        (e.reason === 'ExceededGracePeriod' || (e.reason === 'FailedPreStopHook' && /grace/i.test(e.message))) &&
        (ms(e.last) ?? 0) >= d.since,
    );
    if (killed.length === 0 && overrun.length === 0) return null;
    const ns = facts.target.namespace;
    const names = [...new Set(killed.map((k) => k.container))];
    const signals: Evidence[] = [];
    if (killed.length > 0) {
      const k = killed[0]!;
      signals.push(
        signal(
          'status',
          podRef(ns, k.pod),
          k.finished,
          `${killed.length} container run(s) of ${list(names)} ended with SIGKILL (exit 137, not OOMKilled) ${grace}s after kubelet asked them to stop: they ignore SIGTERM until the grace period runs out`,
        ),
      );
    }
    if (overrun[0]) {
      signals.push(
        signal(
          'event',
          podRef(ns, overrun[0].object),
          overrun[0].last,
          `${overrun[0].reason}: ${quote(stripCombined(overrun[0].message), 160)}`,
        ),
      );
    }
    const cname = names[0] ?? overrun[0]?.container ?? facts.target.template?.spec?.containers?.[0]?.name ?? '';
    const spec = templateContainer(facts, cname);
    const cmd = [...(spec?.command ?? []), ...(spec?.args ?? [])];
    const pre = spec?.lifecycle?.preStop as { sleep?: { seconds?: number }; exec?: { command?: string[] } } | undefined;
    const sleep =
      pre?.sleep?.seconds ?? Number(/sleep (\d+)/.exec(pre?.exec?.command?.join(' ') ?? '')?.[1] ?? Number.NaN);
    let why = 'the process does not exit on SIGTERM within the grace period';
    if (cmd.length > 0 && SHELLS.test(cmd[0] ?? '') && cmd.includes('-c')) {
      signals.push(
        signal(
          'spec',
          workloadRef(facts),
          null,
          `Container ${cname} runs under a shell (${quote(cmd.join(' '), 80)}): PID 1 does not forward SIGTERM to the app`,
        ),
      );
      why = 'PID 1 is a shell that does not forward SIGTERM';
    } else if (Number.isFinite(sleep) && sleep >= grace) {
      signals.push(
        signal(
          'spec',
          workloadRef(facts),
          null,
          `preStop sleeps ${sleep}s, not less than terminationGracePeriodSeconds ${grace}s`,
        ),
      );
      why = `the preStop hook (${sleep}s) uses up the ${grace}s grace period`;
    }
    if (signals.length < 2 && overrun.length === 0 && killed.length < 2) return null;
    return {
      kind: 'match',
      summary: `${list(names) || cname} on ${facts.target.workload?.metadata?.name ?? facts.target.name} is SIGKILLed at every stop: ${why} (grace ${grace}s)`,
      signals,
      trigger: null,
      fix: null,
      advice:
        'Run the binary as PID 1 in exec form (command: ["server"], not sh -c) or use tini/dumb-init, handle SIGTERM, and set terminationGracePeriodSeconds above preStop + drain time.',
      explains: [],
    };
  },
};
