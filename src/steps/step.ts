/**
 * An investigation step: reads one area of the cluster and returns the facts it found.
 * Steps live one per file and are registered in order in `index.ts`; `after` names the steps
 * whose facts this one needs (the runner runs independent steps concurrently).
 */
import type { EvidenceGap, Facts } from '../domain/facts.js';
import type { KubeObject } from '../domain/k8s.js';
import type { KubeReader, ListOptions, LogOptions, Resource } from '../kube/reader.js';

export interface TargetRequest {
  kind: string;
  name: string;
  namespace: string;
  context: string | null;
}

/** A short line shown as progress evidence ("what this step saw"). */
export interface Note {
  time: string | null;
  text: string;
  ref: string;
}

export interface StepContext {
  readonly request: TargetRequest;
  /** Facts gathered so far by the steps named in `after` (and earlier waves). */
  readonly facts: Readonly<Facts>;
  readonly now: Date;
  readonly since: Date;
  readonly signal: AbortSignal;
  /** Raw reader (counted for this step). Throws KubeApiError. */
  readonly kube: KubeReader;
  /** Like kube.list/get/logs, but a forbidden/failed call is recorded as a gap and yields the fallback. */
  tryList(resource: Resource, opts: ListOptions): Promise<KubeObject[]>;
  tryGet(resource: Resource, name: string, namespace: string | null): Promise<KubeObject | null | undefined>;
  tryLogs(namespace: string, pod: string, opts: LogOptions): Promise<string | null>;
}

export interface StepOutput {
  facts?: Partial<Facts>;
  notes?: Note[];
  /** 'skipped' when the step decided it had nothing to look at. Default: ok/empty from notes. */
  status?: 'ok' | 'empty' | 'skipped';
}

export interface Step<Id extends string = string> {
  readonly id: Id;
  readonly title: string;
  readonly after: readonly string[];
  run(ctx: StepContext): Promise<StepOutput>;
}

export type { EvidenceGap };
