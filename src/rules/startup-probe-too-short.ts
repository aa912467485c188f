/**
 * FM-09: the startup budget (startupProbe initialDelay + period × failureThreshold, or the liveness
 * probe's when there is no startupProbe) is shorter than the real boot time: the container is
 * killed before it finishes starting, forever.
 */
import { templateContainer } from '../analysis/containers.js';
import { changeOf, changeSignal, type Derived, measureRecovery, recentChange } from '../analysis/derive.js';
import { containerPatch, podRef, quote, signal, workloadFix, workloadRef } from '../analysis/format.js';
import { group, probeSettings } from '../analysis/probes.js';
import { clock, human, ms, parseLogTimeIso, seconds } from '../analysis/time.js';
import type { Facts, LogFacts } from '../domain/facts.js';
import type { Probe } from '../domain/k8s.js';
import type { Evidence } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

const READY = /ready|started|listening|startup complete|accepting/i;
const BOOTING = /starting|initiali[sz]|loading|warming|migrat|booting|compil|download|waiting/i;

/** Observed boot time (s) from logs: "Started X in 42.3 seconds", or start→ready of a complete run. */
function bootTime(logs: LogFacts[], year: number): { seconds: number; line: string } | null {
  for (const l of logs) {
    for (const line of l.lines) {
      const m = /started\b.*\bin (\d+(?:\.\d+)?) ?s(?:ec(?:onds?)?)?\b/i.exec(line);
      if (m) return { seconds: Number(m[1]), line };
    }
  }
  for (const l of logs) {
    const r = measureRecovery(l, year);
    if (r && r.ms > 0) return { seconds: r.ms / 1000, line: r.readyLine };
  }
  return null;
}

export const startupProbeTooShort: Rule = {
  id: 'startup-probe-too-short',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const startupKills = d.probeKills.filter((k) => k.probe === 'startup');
    const livenessKills = d.probeKills.filter((k) => k.probe === 'liveness');
    const cname = startupKills[0]?.container ?? livenessKills[0]?.container ?? null;
    if (!cname) return null;
    const spec = templateContainer(facts, cname);
    const variant =
      spec?.startupProbe && startupKills.length > 0
        ? 'startup'
        : !spec?.startupProbe && livenessKills.length > 0
          ? 'liveness'
          : null;
    if (!variant || !spec) return null;
    const probe = (variant === 'startup' ? spec.startupProbe : spec.livenessProbe) as Probe;
    const ps = probeSettings(probe);
    const budget = ps.initialDelaySeconds + ps.periodSeconds * ps.failureThreshold;
    const views = d.containers.filter((c) => c.name === cname && !c.init);
    const logs = facts.logs.filter((l) => l.container === cname && d.targetPodNames.has(l.pod));
    const prev = logs.filter((l) => l.previous && l.lines.length > 0);
    const unfinished = prev.find((l) => {
      const last = l.lines[l.lines.length - 1] ?? '';
      return BOOTING.test(last) && !l.lines.some((x) => READY.test(x) && !BOOTING.test(x));
    });
    // The liveness variant needs proof that the app was still booting (never Ready, log mid-initialisation).
    if (variant === 'liveness' && (!unfinished || views.some((c) => c.ready))) return null;
    const year = new Date(d.now).getUTCFullYear();
    const boot = bootTime(logs, year);
    if (variant === 'startup' && boot && boot.seconds <= budget && !unfinished) return null;
    const kills = group(variant === 'startup' ? startupKills : livenessKills);
    const ns = facts.target.namespace;
    const signals: Evidence[] = [
      signal(
        'event',
        podRef(ns, kills.pods[0] ?? ''),
        kills.first,
        `Container ${cname} failed its ${variant} probe and was restarted ×${kills.count} on ${kills.pods.length} pod(s) from ${clock(kills.first, facts.now)}`,
      ),
    ];
    const runtimes = views.map((c) => c.last?.runtimeMs).filter((x): x is number => typeof x === 'number' && x > 0);
    const restarts = views.reduce((n, c) => n + c.restarts, 0);
    if (restarts > 0) {
      const code = views.find((c) => c.last)?.last?.exitCode;
      signals.push(
        signal(
          'status',
          podRef(ns, views[0]!.pod),
          views[0]?.last?.finishedAt ?? null,
          `${restarts} restarts, never started/Ready${code !== undefined && code !== null ? `; last run ended with exit ${code}` : ''}${runtimes.length > 0 ? ` after ${human(Math.max(...runtimes))}` : ''} (budget ${budget}s)`,
        ),
      );
    }
    if (unfinished) {
      const last = unfinished.lines[unfinished.lines.length - 1]!;
      signals.push(
        signal(
          'log',
          podRef(unfinished.namespace, unfinished.pod),
          parseLogTimeIso(last, facts.now),
          `${unfinished.pod} previous run ends mid-initialisation: "${quote(last, 140)}"`,
        ),
      );
    }
    // Boot time: logged outright, or extrapolated from the killed run (`for 25s...`, `(84%)`).
    const lastLine = unfinished?.lines[unfinished.lines.length - 1] ?? '';
    const ran = runtimes.length > 0 ? Math.max(...runtimes) / 1000 : null;
    const rest = /\bfor (\d+)\s*s(?:ec(?:onds?)?)?\b/.exec(lastLine);
    const pct = /\((\d{1,2}(?:\.\d+)?)\s*%\)|\b(\d{1,2}(?:\.\d+)?)%/.exec(lastLine);
    const share = pct ? Number(pct[1] ?? pct[2]) / 100 : null;
    const exact = boot !== null;
    const observed =
      boot?.seconds ??
      (ran !== null && rest ? ran + Number(rest[1]) : ran !== null && share && share >= 0.05 ? ran / share : null);
    const what = variant === 'startup' ? 'startupProbe' : 'livenessProbe (no startupProbe)';
    signals.push(
      signal(
        'spec',
        workloadRef(facts),
        null,
        `${what} of ${cname} allows ${budget}s to start (initialDelay ${ps.initialDelaySeconds}s + ${ps.periodSeconds}s × ${ps.failureThreshold})${observed ? ` but the app needs ${exact ? '~' : 'at least ~'}${seconds(observed)}` : ''}`,
      ),
    );
    const change = recentChange(
      d,
      changeOf(cname, variant === 'startup' ? ['startupProbe', 'image'] : ['livenessProbe', 'image']),
    );
    if (change) signals.push(changeSignal(facts, change));
    // A measured boot gets 2×; an extrapolation from a killed run is a lower bound, so 3× (≥ 2 min).
    const target = observed
      ? Math.max(exact ? 2 * observed : Math.max(3 * observed, 120), budget + ps.periodSeconds)
      : Math.max(300, budget * 2);
    const period = variant === 'startup' ? ps.periodSeconds : 10;
    const threshold = Math.ceil(target / period);
    const handler = Object.fromEntries(
      Object.entries(probe).filter(([k]) => ['httpGet', 'tcpSocket', 'exec', 'grpc'].includes(k)),
    );
    const fields =
      variant === 'startup'
        ? { startupProbe: { failureThreshold: Math.max(threshold, ps.failureThreshold) } }
        : { startupProbe: { ...handler, periodSeconds: period, failureThreshold: threshold } };
    const summaryFix =
      variant === 'startup'
        ? `raise startupProbe.failureThreshold ${ps.failureThreshold}→${threshold} on container ${cname} (budget ${budget}s→${threshold * period}s${observed ? (exact ? `, 2× the observed ${seconds(observed)} boot` : `, 3× the estimated ≥${seconds(observed)} boot`) : ', boot time unknown'})`
        : `add a startupProbe (same check, ${period}s × ${threshold} = ${threshold * period}s) to container ${cname}`;
    const fix =
      threshold > ps.failureThreshold || variant === 'liveness'
        ? workloadFix(facts, summaryFix, containerPatch([{ name: cname, fields }]))
        : null;
    return {
      kind: 'match',
      summary: `${cname} on ${facts.target.workload?.metadata?.name ?? facts.target.name} is killed before it finishes booting: its ${variant} budget is ${budget}s${observed ? ` but startup takes ~${seconds(observed)}` : ''}`,
      signals,
      trigger: change?.text ?? null,
      fix,
      advice:
        'Give slow starts their own budget with a startupProbe (liveness takes over after its first success); if startup got slower, check CPU limits (throttling) and startup work such as migrations or cache warm-up.',
      explains: [
        'app-crash',
        'liveness-probe-misconfigured',
        'readiness-probe-failing',
        'graceful-shutdown-timeout',
        'bad-rollout',
      ],
    };
  },
};

void ms;
