/**
 * The investigation runner: runs the step registry in dependency waves (independent steps
 * concurrently), never aborts on a failed step (partial evidence beats none), then concludes.
 */
import type { EvidenceGap, Facts } from '../domain/facts.js';
import type { InvestigationResult, StepReport } from '../domain/result.js';
import {
  isKubeApiError,
  type KubeReader,
  type ListOptions,
  type LogOptions,
  type Resource,
  rbacHint,
} from '../kube/reader.js';
import { steps as defaultSteps } from '../steps/index.js';
import type { Note, Step, StepContext, TargetRequest } from '../steps/step.js';
import { conclude } from './conclude.js';
import { emptyFacts, mergeFacts } from './merge-facts.js';
import { InvestigationReader, type Recorder } from './scoped-reader.js';

export type ProgressEvent =
  | { type: 'step-start'; step: string; title: string }
  | { type: 'step-done'; step: string; title: string; report: StepReport; notes: Note[] };

export interface InvestigateOptions {
  reader: KubeReader;
  request: TargetRequest;
  /** Evidence window in ms before now (default 2 h). */
  sinceMs?: number;
  now?: () => Date;
  steps?: readonly Step[];
  /** Concurrent API requests (default 8). */
  concurrency?: number;
  onProgress?: (ev: ProgressEvent) => void;
  recorder?: Recorder;
  /** Overall deadline (default 60 s); steps still running then are reported as errors. */
  timeoutMs?: number;
}

export interface Investigation {
  result: InvestigationResult;
  facts: Facts;
  notes: Record<string, Note[]>;
}

export { InvestigationAbort } from './abort.js';

export async function investigate(opts: InvestigateOptions): Promise<Investigation> {
  const started = performance.now();
  const now = (opts.now ?? (() => new Date()))();
  const since = new Date(now.getTime() - (opts.sinceMs ?? 2 * 3600_000));
  const registry = opts.steps ?? defaultSteps;
  const reader = new InvestigationReader(opts.reader, opts.concurrency ?? 8, opts.recorder);
  const deadline = AbortSignal.timeout(opts.timeoutMs ?? 60_000);
  const deadlineHit = new Promise<never>((_, reject) =>
    deadline.addEventListener('abort', () => reject(new Error('investigation deadline reached')), { once: true }),
  );
  deadlineHit.catch(() => {});
  let facts = emptyFacts(opts.request, now, since);
  const reports = new Map<string, StepReport>();
  const notes: Record<string, Note[]> = {};
  const done = new Set<string>();
  const pending = [...registry];

  const runStep = async (step: Step): Promise<{ step: Step; out: Partial<Facts> }> => {
    opts.onProgress?.({ type: 'step-start', step: step.id, title: step.title });
    const counter = { calls: 0 };
    const kube = reader.forStep(counter);
    const gaps: EvidenceGap[] = [];
    const record = (err: unknown, verb: string, resource: string, namespace: string | null) => {
      if (!isKubeApiError(err)) throw err;
      if (err.kind === 'unreachable' || err.kind === 'unauthenticated') throw err;
      gaps.push({ step: step.id, verb, resource, namespace, status: err.status, message: err.message });
    };
    const ctx: StepContext = {
      request: opts.request,
      facts,
      now,
      since,
      signal: deadline,
      kube,
      tryList: async (resource: Resource, o: ListOptions) => {
        try {
          return (await kube.list(resource, o)).items;
        } catch (err) {
          record(err, 'list', resource, o.namespace);
          return [];
        }
      },
      tryGet: async (resource: Resource, name: string, namespace: string | null) => {
        try {
          return await kube.get(resource, name, namespace);
        } catch (err) {
          record(err, 'get', resource, namespace);
          return undefined;
        }
      },
      tryLogs: async (namespace: string, pod: string, o: LogOptions) => {
        try {
          return await kube.logs(namespace, pod, o);
        } catch (err) {
          record(err, 'get', 'pods/log', namespace);
          return null;
        }
      },
    };
    const t0 = performance.now();
    let report: StepReport;
    let out: Partial<Facts> = {};
    let stepNotes: Note[] = [];
    try {
      const res = await Promise.race([step.run(ctx), deadlineHit]);
      out = res.facts ?? {};
      stepNotes = res.notes ?? [];
      const missing = gaps.map((g) => rbacHint(g.verb, g.resource, g.namespace));
      report = {
        name: step.id,
        status:
          gaps.length > 0 && stepNotes.length === 0 ? 'error' : (res.status ?? (stepNotes.length > 0 ? 'ok' : 'empty')),
        durationMs: Math.round(performance.now() - t0),
        apiCalls: counter.calls,
        error: gaps.length > 0 ? gaps.map((g) => g.message).join('; ') : null,
        ...(missing.length > 0 ? { missing } : {}),
      };
    } catch (err) {
      if (step.id === registry[0]?.id) throw err; // the target could not be resolved: nothing to investigate
      const message = err instanceof Error ? err.message : String(err);
      if (isKubeApiError(err))
        gaps.push({
          step: step.id,
          verb: err.verb,
          resource: err.resource,
          namespace: err.namespace,
          status: err.status,
          message,
        });
      report = {
        name: step.id,
        status: 'error',
        durationMs: Math.round(performance.now() - t0),
        apiCalls: counter.calls,
        error: message,
      };
    }
    out = { ...out, gaps: [...(out.gaps ?? []), ...gaps] };
    reports.set(step.id, report);
    notes[step.id] = stepNotes;
    opts.onProgress?.({ type: 'step-done', step: step.id, title: step.title, report, notes: stepNotes });
    return { step, out };
  };

  while (pending.length > 0) {
    const wave = pending.filter((s) => s.after.every((a) => done.has(a) || !registry.some((r) => r.id === a)));
    if (wave.length === 0) throw new Error(`step dependency cycle among: ${pending.map((s) => s.id).join(', ')}`);
    for (const s of wave) pending.splice(pending.indexOf(s), 1);
    const results = await Promise.all(wave.map(runStep));
    // Merge in registry order so the result does not depend on timing.
    for (const { step, out } of results) {
      facts = mergeFacts(facts, out);
      done.add(step.id);
    }
  }

  const conclusion = conclude(facts);
  const result: InvestigationResult = {
    target: {
      kind: facts.target.kind,
      namespace: facts.target.namespace,
      name: facts.target.name,
      context: facts.target.context,
    },
    ...conclusion,
    steps: registry.map(
      (s) => reports.get(s.id) ?? { name: s.id, status: 'skipped', durationMs: 0, apiCalls: 0, error: null },
    ),
    stats: { durationMs: Math.round(performance.now() - started), apiCalls: reader.totalCalls },
  };
  return { result, facts, notes };
}
