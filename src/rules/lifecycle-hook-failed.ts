/**
 * FM-26: a postStart (or preStop) hook fails; kubelet kills the freshly started container
 * (FailedPostStartHook) and it loops. The app's own log usually looks fine.
 */
import { templateContainer } from '../analysis/containers.js';
import type { Derived } from '../analysis/derive.js';
import { list, podRef, quote, signal, workloadRef } from '../analysis/format.js';
import { stripCombined } from '../analysis/probes.js';
import { clock, ms } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

function describeHook(h: unknown): string | null {
  if (!h || typeof h !== 'object') return null;
  const o = h as {
    exec?: { command?: string[] };
    httpGet?: { path?: string; port?: number | string };
    sleep?: { seconds?: number };
  };
  if (o.exec?.command) return `exec ${o.exec.command.join(' ')}`;
  if (o.httpGet) return `httpGet ${o.httpGet.path ?? '/'} :${o.httpGet.port ?? '?'}`;
  if (o.sleep) return `sleep ${o.sleep.seconds ?? '?'}s`;
  return null;
}

export const lifecycleHookFailed: Rule = {
  id: 'lifecycle-hook-failed',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const hookEvents = d.events.filter(
      (e) => (e.reason === 'FailedPostStartHook' || e.reason === 'FailedPreStopHook') && (ms(e.last) ?? 0) >= d.since,
    );
    const waiting = d.containers.filter(
      (c) => c.waitingReason === 'PostStartHookError' || c.waitingReason === 'PreStartHookError',
    );
    if (hookEvents.length === 0 && waiting.length === 0) return null;
    const post = hookEvents.some((e) => e.reason === 'FailedPostStartHook') || waiting.length > 0;
    const hook = post ? 'postStart' : 'preStop';
    const ns = facts.target.namespace;
    const names = [
      ...new Set([...hookEvents.map((e) => e.container ?? ''), ...waiting.map((c) => c.name)].filter(Boolean)),
    ];
    const cname = names[0] ?? '';
    const pods = [...new Set([...hookEvents.map((e) => e.object), ...waiting.map((c) => c.pod)])].sort();
    const signals: Evidence[] = [];
    const e0 = hookEvents[0];
    if (e0) {
      signals.push(
        signal(
          'event',
          podRef(ns, e0.object),
          e0.first ?? e0.last,
          `${e0.reason} on ${pods.length} pod(s) from ${clock(e0.first ?? e0.last, facts.now)} (×${hookEvents.reduce((n, e) => n + e.count, 0)}): ${quote(stripCombined(e0.message), 160)}`,
        ),
      );
    }
    const views = d.containers.filter((c) => c.name === cname && !c.init);
    const restarts = views.reduce((n, c) => n + c.restarts, 0);
    if (waiting.length > 0 || (post && restarts > 0)) {
      const w = waiting[0];
      signals.push(
        signal(
          'status',
          podRef(ns, w?.pod ?? views[0]?.pod ?? pods[0] ?? ''),
          null,
          `Container ${cname} ${w ? `waits in ${w.waitingReason}${w.waitingMessage ? ` (${quote(w.waitingMessage, 120)})` : ''}` : 'is killed right after it starts'}; ${restarts} restarts`,
        ),
      );
    }
    const spec = templateContainer(facts, cname);
    const handler = describeHook(post ? spec?.lifecycle?.postStart : spec?.lifecycle?.preStop);
    if (handler)
      signals.push(
        signal('spec', workloadRef(facts), null, `Container ${cname} has a ${hook} hook: ${quote(handler, 120)}`),
      );
    return {
      kind: 'match',
      summary: `The ${hook} hook of ${list(names) || 'a container'} on ${facts.target.workload?.metadata?.name ?? facts.target.name} fails${post ? ', so kubelet kills the container right after it starts' : ' when pods stop'}${handler ? ` (${quote(handler, 80)})` : ''}`,
      signals,
      trigger: null,
      fix: null,
      advice: `Make the ${hook} hook idempotent and non-fatal (or move its work into the app or an init container); run it by hand to see why it fails: kubectl -n ${ns} exec ${pods[0] ?? '<pod>'} -c ${cname} -- ${handler?.startsWith('exec ') ? handler.slice(5) : '<hook command>'}.`,
      explains: ['app-crash', 'graceful-shutdown-timeout', 'bad-rollout'],
    };
  },
};
