/**
 * FM-28: the app ignores SIGTERM (PID 1 is a shell that does not forward it) or a preStop hook
 * outlasts terminationGracePeriodSeconds, so every stop ends in SIGKILL (exit 137, reason Error)
 * exactly one grace period after kubelet asked it to stop. Stops are ordinary (rollout scale-down,
 * drain, delete): the runs ended by a failed liveness/startup probe are that probe's story.
 */
import { type PodView, templateContainer } from '../analysis/containers.js';
import { type Derived, evTime } from '../analysis/derive.js';
import { containerPatch, list, podRef, quote, signal, workloadFix, workloadRef } from '../analysis/format.js';
import { parseProbeKill, stripCombined } from '../analysis/probes.js';
import { clock, hhmmss, ms, parseLogTime } from '../analysis/time.js';
import type { Ev, Facts } from '../domain/facts.js';
import type { Container } from '../domain/k8s.js';
import type { Evidence, Fix } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

const SHELLS = /^(\/usr)?(\/bin\/)?(sh|bash|ash|dash|ksh|zsh)$/;
/** `-c`, and combined flags that include it (`-ec`, `-xc`, `-lc`). */
const SCRIPT_FLAG = /^-[a-zA-Z]*c[a-zA-Z]*$/;
/** What an app that got SIGTERM typically logs while it stops. */
const SHUTDOWN_LINE =
  /\b(shut ?down|shutting|sigterm|signal|terminat\w*|stopping|stopped|drain\w*|graceful\w*|exiting|closing|bye)\b/i;
/** Shell words a script cannot start with for `exec <script>` to mean the same thing. */
const NOT_A_PROGRAM = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'case',
  'esac',
  'for',
  'while',
  'until',
  'do',
  'done',
  'function',
  'select',
  'time',
  '!',
  '{',
  '}',
  '[[',
  ']]',
  'cd',
  'export',
  'set',
  'unset',
  'source',
  '.',
  'eval',
  'trap',
  'wait',
  'read',
  'shift',
  'alias',
  'ulimit',
  'umask',
  'exit',
  'return',
  'break',
  'continue',
  ':',
  'local',
  'readonly',
  'declare',
  'typeset',
  'exec',
]);
/** Slack between the kubelet's stop request + grace and the recorded SIGKILL. */
const SLACK_MS = 5000;

interface Kill {
  pod: string;
  container: string;
  /** When kubelet asked it to stop (Killing `Stopping container …`). */
  stop: string;
  finished: string;
  grace: number;
  reason: string | null;
  /** The run is the container's current state (the pod is terminating) rather than its previous run. */
  current: boolean;
}

/** The container runs its app through `sh -c '<script>'`: where the script sits in command/args. */
interface ShellForm {
  script: string;
  field: 'command' | 'args';
  index: number;
}

export function shellForm(c: Container | null | undefined): ShellForm | null {
  const command = c?.command ?? [];
  if (command.length === 0 || !SHELLS.test(command[0] ?? '')) return null;
  const args = c?.args ?? [];
  const all = [...command, ...args];
  const flag = all.findIndex((x, i) => i > 0 && SCRIPT_FLAG.test(x));
  if (flag < 0 || flag + 1 >= all.length) return null;
  const at = flag + 1;
  return at < command.length
    ? { script: all[at]!, field: 'command', index: at }
    : { script: all[at]!, field: 'args', index: at - command.length };
}

/**
 * Does the script leave the shell as PID 1 between the kubelet and the app? Not when it already
 * `exec`s the app or forwards signals itself (`trap`).
 */
export function shellKeepsPid1(script: string): boolean {
  const s = script.trim();
  if (/^exec\s/.test(s)) return false;
  return !/\btrap\b/.test(s);
}

/**
 * `exec <script>` when the script is one simple command (no lists, pipes, background jobs,
 * subshells, leading assignments or shell keywords): then exec only replaces the shell by the
 * program, with the same expansion of `$VARS`. Null when the rewrite would change its meaning.
 */
export function execScript(script: string): string | null {
  const s = script.trim();
  if (s === '' || s.includes('\n') || !shellKeepsPid1(s)) return null;
  const bare = s
    .replace(/'[^']*'/g, 'Q')
    .replace(/"(?:[^"\\$`]|\\.|\$(?!\())*"/g, 'Q')
    .replace(/\d*[<>]&\d*-?/g, ' ');
  // Unbalanced quotes, escapes, substitutions, lists, pipes, background jobs, subshells, groups.
  if (/['"\\`;&|(){}]/.test(bare)) return null;
  const first = bare.split(/\s+/)[0] ?? '';
  if (first === '' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(first) || NOT_A_PROGRAM.has(first)) return null;
  return `exec ${s}`;
}

function preStopSleep(c: Container | null | undefined): number | null {
  const pre = c?.lifecycle?.preStop as { sleep?: { seconds?: number }; exec?: { command?: string[] } } | undefined;
  if (typeof pre?.sleep?.seconds === 'number') return pre.sleep.seconds;
  const m = /\bsleep\s+(\d+)/.exec(pre?.exec?.command?.join(' ') ?? '');
  return m ? Number(m[1]) : null;
}

/** The grace the pod was actually given: its deletion grace, else its spec, else the template's. */
function podGrace(p: PodView, fallback: number): number {
  const meta = p.pod.metadata as { deletionGracePeriodSeconds?: number } | undefined;
  return meta?.deletionGracePeriodSeconds ?? p.pod.spec?.terminationGracePeriodSeconds ?? fallback;
}

/** A kubelet stop request (rollout, scale-down, drain, delete, spec change), not a probe or hook kill. */
function isStop(e: Ev): boolean {
  return e.reason === 'Killing' && !parseProbeKill(e) && !/FailedPostStartHook|post-?start hook/i.test(e.message);
}

export const gracefulShutdownTimeout: Rule = {
  id: 'graceful-shutdown-timeout',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const grace =
      facts.target.template?.spec?.terminationGracePeriodSeconds ??
      facts.pods[0]?.spec?.terminationGracePeriodSeconds ??
      30;
    const podOf = new Map(d.pods.map((p) => [p.name, p]));
    const killed: Kill[] = [];
    for (const c of d.containers) {
      if (c.init) continue;
      const p = podOf.get(c.pod);
      const g = p ? podGrace(p, grace) : grace;
      for (const [t, current] of [
        [c.terminated, true],
        [c.last, false],
      ] as const) {
        if (t?.exitCode !== 137 || t.reason === 'OOMKilled' || !t.finishedAt) continue;
        const f = ms(t.finishedAt)!;
        const stop = d.events.find((e) => {
          if (e.reason !== 'Killing' || e.object !== c.pod || (e.container && e.container !== c.name)) return false;
          const s = ms(e.last) ?? ms(evTime(e));
          return s !== null && Math.abs(f - s - g * 1000) <= SLACK_MS;
        });
        if (!stop) continue;
        // A run ended by a failed liveness/startup probe is that probe's story (its cause explains the
        // restarts); a slow shutdown only lengthens it, so such stops are not counted here.
        if (!isStop(stop)) continue;
        killed.push({
          pod: c.pod,
          container: c.name,
          stop: stop.last,
          finished: t.finishedAt,
          grace: g,
          reason: t.reason,
          current,
        });
      }
    }
    const overrun = d.events.filter(
      (e) =>
        (e.reason === 'ExceededGracePeriod' || (e.reason === 'FailedPreStopHook' && /grace/i.test(e.message))) &&
        (ms(e.last) ?? 0) >= d.since,
    );
    if (killed.length === 0 && overrun.length === 0) return null;
    const ns = facts.target.namespace;
    const w = facts.target.workload?.metadata?.name ?? facts.target.name;
    const names = [...new Set(killed.map((k) => k.container))];
    // Every ordinary stop of the target's pods in the window (the killed runs' and the others').
    const stops = d.events.filter((e) => isStop(e) && (ms(e.last) ?? 0) >= d.since);
    const stoppedPods = [...new Set(stops.map((e) => e.object))];
    const signals: Evidence[] = [];
    if (killed.length > 0) {
      const k = killed[0]!;
      const gone = stoppedPods.filter((p) => !killed.some((x) => x.pod === p) && !podOf.has(p)).length;
      signals.push(
        signal(
          'status',
          podRef(ns, k.pod),
          k.finished,
          `${killed.length === 1 ? `The ${k.container} container of ${k.pod}` : `${killed.length} runs of ${list(names)}`} ended with SIGKILL (exit 137, ${k.reason ? `reason ${k.reason}, ` : ''}not OOMKilled) ${k.grace}s — exactly terminationGracePeriodSeconds — after kubelet asked ${killed.length === 1 ? 'it' : 'them'} to stop ("Stopping container" at ${hhmmss(ms(k.stop)!)}, killed at ${hhmmss(ms(k.finished)!)} UTC${killed.length > 1 ? ` on ${k.pod}` : ''}): SIGTERM did not make ${killed.length === 1 ? 'it' : 'them'} exit${gone > 0 ? `; ${gone} other pod(s) were stopped in the window and are gone (their exit is not recorded)` : ''}`,
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

    // The killed run's own log between the stop request and the SIGKILL: an app that got SIGTERM
    // says so (shutting down, draining); one that keeps logging its work never got it.
    const year = new Date(d.now).getUTCFullYear();
    let reacted: { pod: string; line: string } | null = null;
    let ignored: { pod: string; n: number; last: string; time: number; stop: string; finished: string } | null = null;
    for (const k of killed) {
      const log = facts.logs.find(
        (l) => l.pod === k.pod && l.container === k.container && l.previous === !k.current && l.lines.length > 0,
      );
      if (!log) continue;
      const s = ms(k.stop)!;
      const f = ms(k.finished)!;
      const after = log.lines
        .map((line) => ({ line, t: parseLogTime(line, year) }))
        .filter((x): x is { line: string; t: number } => x.t !== null && x.t >= s && x.t <= f + SLACK_MS);
      if (after.length === 0) continue;
      const bye = after.find((x) => SHUTDOWN_LINE.test(x.line));
      if (bye) {
        reacted = { pod: k.pod, line: bye.line };
        break;
      }
      const last = after[after.length - 1]!;
      ignored ??= { pod: k.pod, n: after.length, last: last.line, time: last.t, stop: k.stop, finished: k.finished };
    }
    if (reacted) {
      signals.push(
        signal(
          'log',
          podRef(ns, reacted.pod),
          null,
          `${reacted.pod} began shutting down after the stop request ("${quote(reacted.line, 120)}") but had not exited when the grace period ran out`,
        ),
      );
    } else if (ignored) {
      signals.push(
        signal(
          'log',
          podRef(ns, ignored.pod),
          new Date(ignored.time).toISOString(),
          `${ignored.pod} kept working after the stop request at ${hhmmss(ms(ignored.stop)!)} UTC (${ignored.n} log line(s) until ${hhmmss(ignored.time)}, last "${quote(ignored.last, 100)}") and logged nothing about shutting down before the SIGKILL: SIGTERM never reached the app`,
        ),
      );
    }

    const cname = names[0] ?? overrun[0]?.container ?? facts.target.template?.spec?.containers?.[0]?.name ?? '';
    const spec = templateContainer(facts, cname);
    const shell = shellForm(spec);
    const sleep = preStopSleep(spec);
    const reasons: string[] = [];
    const patches: { containers: { name: string; fields: Record<string, unknown> }[]; grace: number | null } = {
      containers: [],
      grace: null,
    };
    const fixWhat: string[] = [];
    // A shell that forwards nothing is only the story when the app did not react to SIGTERM itself.
    if (shell && shellKeepsPid1(shell.script) && !reacted) {
      const cmd = [...(spec?.command ?? []), ...(spec?.args ?? [])];
      signals.push(
        signal(
          'spec',
          workloadRef(facts),
          null,
          `Container ${cname} runs under a shell (${quote(cmd.join(' '), 100)}) without exec: PID 1 is the shell, which does not forward SIGTERM to the app`,
        ),
      );
      reasons.push('PID 1 is a shell (sh -c without exec) that does not forward SIGTERM');
      const exec = execScript(shell.script);
      if (exec && spec) {
        const list2 = [...((shell.field === 'command' ? spec.command : spec.args) ?? [])];
        list2[shell.index] = exec;
        patches.containers.push({ name: cname, fields: { [shell.field]: list2 } });
        fixWhat.push(
          `exec the app from container ${cname}'s shell (${quote(exec, 80)}) so it runs as PID 1 and gets SIGTERM`,
        );
      }
    }
    const g = killed[0]?.grace ?? grace;
    if (sleep !== null && sleep >= g) {
      signals.push(
        signal(
          'spec',
          workloadRef(facts),
          null,
          `preStop of ${cname} sleeps ${sleep}s, not less than terminationGracePeriodSeconds ${g}s: SIGTERM comes when the grace is already spent`,
        ),
      );
      reasons.push(`the preStop hook (${sleep}s) uses up the ${g}s grace period`);
      // Keep the current grace for the app's own shutdown after the hook.
      patches.grace = Math.ceil((sleep + g) / 5) * 5;
      fixWhat.push(
        `raise terminationGracePeriodSeconds ${g}→${patches.grace} (preStop ${sleep}s + the ${g}s the app had)`,
      );
    }
    if (signals.length < 2 && overrun.length === 0 && killed.length < 2) return null;

    // What stopped the pods: a rollout that replaced them (their revision is older than the latest).
    const r = d.lastRollout;
    const at = ms(r?.createdAt);
    const revisionOf = (pod: string) =>
      podOf.get(pod)?.owner ?? facts.revisions.find((x) => pod.startsWith(`${x.name}-`))?.name ?? null;
    const replaced =
      r && at !== null
        ? stoppedPods.filter((p) => {
            const rev = revisionOf(p);
            const t = ms(stops.find((e) => e.object === p)?.last);
            return rev !== null && rev !== r.revision.name && t !== null && t >= at;
          })
        : [];
    const trigger =
      r && replaced.length > 0
        ? `rollout to revision ${r.revision.revision} (${r.revision.kind} ${r.revision.name}) at ${clock(r.createdAt, facts.now)}: it stopped ${replaced.length} pod(s) of the previous revision`
        : null;

    let fix: Fix | null = null;
    if (patches.containers.length > 0 || patches.grace !== null) {
      const patch = containerPatch(patches.containers) as { spec: { template: { spec: Record<string, unknown> } } };
      if (patches.grace !== null) patch.spec.template.spec.terminationGracePeriodSeconds = patches.grace;
      fix = workloadFix(facts, list(fixWhat, 2), patch);
    }
    const why =
      reasons.length > 0
        ? list(reasons, 2)
        : reacted
          ? `its shutdown takes longer than the ${g}s grace period`
          : 'the process does not exit on SIGTERM within the grace period';
    const advice =
      (fix ? 'The patch rolls the pods once more; the old pods it replaces are still SIGKILLed this one time. ' : '') +
      (reacted
        ? `Make the app's shutdown fit the grace period, or raise terminationGracePeriodSeconds above preStop + drain time.`
        : 'Run the binary as PID 1 (exec form command: ["server"], `exec` in a wrapper script, or tini/dumb-init), handle SIGTERM by draining in-flight requests, and keep terminationGracePeriodSeconds above preStop + drain time.');
    return {
      kind: 'match',
      summary: `${list(names) || cname} on ${w} is SIGKILLed when stopped (exit 137 after the ${g}s grace period): ${why}${trigger && r ? `; the rollout to revision ${r.revision.revision} stopped the old pods` : ''}`,
      signals,
      trigger,
      fix,
      advice,
      explains: [],
    };
  },
};
