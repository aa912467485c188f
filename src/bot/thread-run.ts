/**
 * Runs one investigation into a Slack thread: the parent message (posted once the target resolves,
 * then edited in place with the step checklist), one reply per step that found evidence (as it
 * lands), and the final ROOT CAUSE reply with the buttons. Every step of that is persisted, so a
 * restart neither loses the thread nor posts anything twice.
 */
import type { InvestigationResult, StepReport } from '../domain/result.js';
import { InvestigationAbort } from '../engine/abort.js';
import { type Investigation, investigate, type ProgressEvent } from '../engine/investigate.js';
import { recordProposal, snapshotTarget } from '../fixes/proposals.js';
import { isKubeApiError, rbacHint } from '../kube/reader.js';
import {
  type ParentState,
  type ParentStepStatus,
  renderParent,
  renderRootCause,
  renderStepEvidence,
} from '../slack/blocks/index.js';
import type { SlackMessage } from '../slack/sender.js';
import { steps as registry } from '../steps/index.js';
import type { ActionKind } from '../store/index.js';
import type { BotDeps } from './deps.js';

export interface Thread {
  channel: string;
  parentTs: string;
}

export interface InvestigationRequest {
  target: { kind: string; name: string; namespace: string; context: string | null };
  /** Channel for a new thread (ignored when `thread` is given). */
  channel: string;
  requestedBy: string | null;
  trigger: 'slash' | 'pagerduty' | 'rerun';
  /** Run inside an existing thread (re-run, or an incident's thread). */
  thread?: Thread | null;
  incidentId?: string | null;
  rerunOf?: string | null;
  sinceMs?: number;
  /** Tell the requester privately (usage problems before any thread exists). */
  notify?: (text: string) => Promise<void>;
  /** The parent belongs to someone else (an incident): render it with this instead of the plain parent. */
  renderParent?: (state: ParentState) => SlackMessage;
  /** An investigation already run (e.g. to decide which thread it belongs in): posted, not run again. */
  precomputed?: Investigation | null;
  /** In a thread shared with other incidents: post only the ROOT CAUSE reply, not each step's evidence. */
  compact?: boolean;
  /** Finishing an investigation a restart interrupted: its steps' evidence already in the thread is not posted again. */
  resumes?: string | null;
}

export interface RunOutcome {
  investigationId: string;
  result: InvestigationResult | null;
  thread: Thread | null;
  error: string | null;
}

export const OFFERED_ACTIONS: ActionKind[] = [
  'show_node_events',
  'show_pod_events',
  'show_logs',
  'show_rollout_history',
  'rerun',
  'feedback',
];

/** A step report as the parent's checklist shows it. */
export function stepStatus(r: StepReport): ParentStepStatus {
  if (r.status === 'ok') return 'done';
  if (r.status === 'error') return r.missing && r.missing.length > 0 ? 'forbidden' : 'failed';
  return r.status;
}

function describeFailure(err: unknown): string {
  if (err instanceof InvestigationAbort) {
    const hint =
      err.suggestions.length > 0 ? `\nDid you mean: ${err.suggestions.map((s) => `\`${s}\``).join(', ')}?` : '';
    return `${err.message}${hint}`;
  }
  if (isKubeApiError(err)) {
    const what = err.verb === 'load' ? '' : ` (needed: ${rbacHint(err.verb, err.resource, err.namespace)})`;
    return `${err.message}${what}`;
  }
  return 'the investigation failed unexpectedly; see the bot logs';
}

const inflight = new Set<Promise<unknown>>();

/** Keep track of background work so a stopping bot can let it finish before closing the database. */
export function track<T>(work: Promise<T>): Promise<T> {
  inflight.add(work);
  work.then(
    () => inflight.delete(work),
    () => inflight.delete(work),
  );
  return work;
}

/** Wait (bounded) for investigations and their follow-ups still running. */
export async function settleInflight(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (inflight.size > 0 && Date.now() < deadline) {
    await Promise.race([
      Promise.allSettled([...inflight]),
      new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now()))),
    ]);
  }
}

export function runInThread(deps: BotDeps, req: InvestigationRequest): Promise<RunOutcome> {
  return track(runInThreadNow(deps, req));
}

async function runInThreadNow(deps: BotDeps, req: InvestigationRequest): Promise<RunOutcome> {
  const { store, sender, log, metrics } = deps;
  const started = deps.now();
  const inv = store.investigations.create({
    target: req.target,
    trigger: req.trigger,
    requestedBy: req.requestedBy,
    incidentId: req.incidentId ?? null,
    rerunOf: req.rerunOf ?? null,
    thread: req.thread ?? null,
    startedAt: started,
  });
  const ilog = log.child({ investigation: inv.id, target: `${req.target.kind}/${req.target.name}` });
  metrics.running.inc();

  let thread: Thread | null = req.thread ?? null;
  const state: ParentState = {
    target: req.target,
    status: 'investigating',
    steps: registry.map((s) => ({ name: s.id, title: s.title, status: 'pending' as ParentStepStatus })),
  };
  const render = () => (req.renderParent ?? renderParent)(state);
  // Slack work is chained so it happens in order, without holding the investigation up.
  let chain: Promise<unknown> = Promise.resolve();
  const pending: Promise<unknown>[] = [];
  const later = (work: () => Promise<unknown>) => {
    chain = chain.then(work).catch((err) => ilog.error('slack update failed', { err: err as Error }));
    pending.push(chain);
  };
  const refreshParent = () =>
    later(async () => {
      if (thread)
        pending.push(
          sender
            .update(thread.channel, thread.parentTs, render())
            .catch((err) => ilog.warn('parent update failed', { err })),
        );
    });
  const ensureThread = () =>
    later(async () => {
      if (thread) return;
      const ts = await sender.post(req.channel, render());
      thread = { channel: req.channel, parentTs: ts };
      store.investigations.setThread(inv.id, thread);
    });
  if (thread) refreshParent();

  try {
    const reader = await deps.readers.get(req.target.context);
    state.target = { ...req.target, context: req.target.context ?? reader.context };
    const onProgress = (ev: ProgressEvent) => {
      const row = state.steps.find((s) => s.name === ev.step);
      if (ev.type === 'step-start') {
        if (row) row.status = 'running';
        store.steps.start(inv.id, ev.step);
        refreshParent();
        return;
      }
      if (row) row.status = stepStatus(ev.report);
      store.steps.finish(inv.id, ev.step, {
        status: ev.report.status,
        durationMs: ev.report.durationMs,
        apiCalls: ev.report.apiCalls,
        error: ev.report.error,
      });
      metrics.stepSeconds.observe({ step: ev.step, status: ev.report.status }, ev.report.durationMs / 1000);
      metrics.apiCalls.inc({ step: ev.step }, ev.report.apiCalls);
      if (ev.step === registry[0].id) ensureThread();
      refreshParent();
      const items = [...ev.notes];
      if (ev.report.missing?.length)
        items.push(
          ...ev.report.missing.map((m) => ({
            time: null,
            text: `missing evidence: RBAC does not allow ${m}`,
            ref: ev.step,
          })),
        );
      if (items.length > 0 && ev.report.status !== 'skipped' && !req.compact) {
        later(async () => {
          if (!thread) return;
          const before = req.resumes ? store.steps.get(req.resumes, ev.step) : null;
          if (before?.postedTs || before?.posting) return; // already in the thread (or may be)
          if (!store.steps.markPosting(inv.id, ev.step)) return;
          const msg = renderStepEvidence({ title: ev.title, items });
          const ts = await sender.post(thread.channel, msg, thread.parentTs);
          store.steps.markPosted(inv.id, ev.step, ts);
          if (msg.overflow) await sender.upload(thread.channel, thread.parentTs, `${ev.step}.txt`, msg.overflow);
        });
      }
    };
    let ran: Investigation;
    if (req.precomputed) {
      // Replayed step by step so the checklist, the step rows and the evidence replies are the same.
      ran = req.precomputed;
      for (const report of ran.result.steps) {
        const title = registry.find((s) => s.id === report.name)?.title ?? report.name;
        onProgress({ type: 'step-start', step: report.name, title });
        onProgress({ type: 'step-done', step: report.name, title, report, notes: ran.notes[report.name] ?? [] });
      }
    } else {
      ran = await investigate({
        reader,
        request: { ...req.target, context: state.target.context },
        ...(req.sinceMs ? { sinceMs: req.sinceMs } : {}),
        now: deps.now,
        onProgress,
      });
    }
    const { result, facts, notes } = ran;

    store.investigations.complete(inv.id, { result, facts, notes });
    // Apply fix is offered only when approvers are configured and the target's current version is known:
    // the proposal is bound to that uid and its spec (a status-only change does not make it stale).
    const fix = result.rootCause.fix;
    const snapshot = fix ? await snapshotTarget(deps, fix, state.target.context) : null;
    const action = store.actions.create(inv.id, {
      kind: 'root_cause',
      payload: {
        target: state.target,
        causeId: result.rootCause.id,
        offered: snapshot ? [...OFFERED_ACTIONS, 'apply_fix'] : OFFERED_ACTIONS,
        fix,
      },
    });
    if (fix && snapshot) {
      recordProposal(deps, {
        investigationId: inv.id,
        actionId: action.id,
        fix,
        snapshot,
        context: state.target.context,
        requestedBy: req.requestedBy ?? (req.trigger === 'pagerduty' ? 'pagerduty' : 'causa'),
        purpose: 'fix',
      });
    }
    state.status = result.rootCause.id === 'unknown' ? 'unknown' : 'root-cause';
    state.rootCause = {
      id: result.rootCause.id,
      summary: result.rootCause.summary,
      confidence: result.rootCause.confidence,
      signals: result.rootCause.signals,
    };
    ensureThread();
    later(async () => {
      if (!thread || !store.investigations.claimRoot(inv.id)) return;
      const msg = renderRootCause(result, { actionValue: action.id, allowApplyFix: snapshot !== null });
      const ts = await sender.post(thread.channel, msg, thread.parentTs);
      store.investigations.setRootTs(inv.id, ts);
      if (msg.overflow)
        await sender.upload(thread.channel, thread.parentTs, 'investigation.txt', msg.overflow, 'Full investigation');
    });
    refreshParent();
    metrics.investigations.inc({ trigger: req.trigger, outcome: result.rootCause.id });
    await chain;
    await Promise.allSettled(pending);
    await sender.flush();
    ilog.info('investigation done', {
      cause: result.rootCause.id,
      confidence: result.rootCause.confidence,
      ms: result.stats.durationMs,
    });
    return { investigationId: inv.id, result, thread, error: null };
  } catch (err) {
    const text = describeFailure(err);
    if (!(err instanceof InvestigationAbort) && !isKubeApiError(err))
      ilog.error('investigation crashed', { err: err as Error });
    store.investigations.fail(inv.id, { error: text });
    metrics.investigations.inc({ trigger: req.trigger, outcome: 'failed' });
    state.status = 'failed';
    if (thread) {
      later(async () => {
        if (thread) await sender.post(thread.channel, { text: `⚠️ Could not investigate: ${text}` }, thread.parentTs);
      });
      refreshParent();
    } else if (req.notify) {
      await req.notify(`⚠️ ${text}`);
    }
    await chain;
    await Promise.allSettled(pending);
    return { investigationId: inv.id, result: null, thread, error: text };
  } finally {
    metrics.running.dec();
    metrics.investigationSeconds.observe({ trigger: req.trigger }, (deps.now().getTime() - started.getTime()) / 1000);
  }
}

/**
 * At start-up: investigations a crash interrupted are run again in their thread, and so are those
 * that finished but whose ROOT CAUSE reply was never sent (the crash came in between); none is lost
 * and nothing already in the thread is sent again.
 */
export async function resumeInterrupted(deps: BotDeps): Promise<number> {
  deps.store.actions.abandonRunningRuns('interrupted by a restart');
  const unfinished = deps.store.investigations.listUnfinished();
  for (const inv of unfinished) deps.store.investigations.fail(inv.id, { error: 'interrupted by a restart' });
  const unposted = deps.store.investigations
    .listUnposted(new Date(deps.now().getTime() - 24 * 3600_000))
    .filter((inv) => deps.store.investigations.claimRoot(inv.id)); // claimed: never resumed twice
  for (const inv of [...unfinished, ...unposted]) {
    if (!inv.slackChannel || !inv.parentTs) continue;
    const thread = { channel: inv.slackChannel, parentTs: inv.parentTs };
    await deps.sender.post(
      thread.channel,
      {
        text:
          inv.status === 'done'
            ? '↻ Causa restarted before posting this conclusion; running the investigation again.'
            : '↻ Causa restarted during this investigation; running it again.',
      },
      thread.parentTs,
    );
    void runInThread(deps, {
      target: inv.target,
      channel: thread.channel,
      requestedBy: inv.requestedBy,
      trigger: 'rerun',
      thread,
      incidentId: inv.incidentId,
      rerunOf: inv.id,
      resumes: inv.id,
    });
  }
  return unfinished.length + unposted.length;
}
