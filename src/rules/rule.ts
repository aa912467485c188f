/**
 * A rule recognises one cause from the taxonomy, from Facts only (pure, no I/O, no clock).
 * Rules live one per file and are registered in order in `index.ts` (most specific first).
 */

import type { Derived } from '../analysis/derive.js';
import type { CauseId, FailureCauseId } from '../domain/causes.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence, Fix } from '../domain/result.js';

/** One independent corroborating observation. Never count the same observation twice. */
export type Signal = Evidence;

export interface RuleMatch {
  kind: 'match';
  summary: string;
  /** Independent corroborating signals (each a distinct object/event/log/spec observation). */
  signals: Signal[];
  /** What set it off, when that differs from the cause (e.g. the node recycle in FM-01). */
  trigger: string | null;
  fix: Fix | null;
  /** Advice in words, always given; required when `fix` is null. */
  advice: string;
  /** Hypotheses this one accounts for (symptoms or triggers): they do not compete with it. */
  explains: CauseId[];
  /** Extra timeline entries this rule wants shown (e.g. the trigger). */
  timeline?: { time: string; text: string; ref: string }[];
}

export interface RuleRuledOut {
  kind: 'ruled-out';
  /** Why it is not the cause, citing evidence ("last rollout 6 h before the first failure; ReplicaSet unchanged"). */
  reason: string;
}

export type RuleOutcome = RuleMatch | RuleRuledOut | null;

export interface Rule {
  readonly id: FailureCauseId;
  evaluate(facts: Facts, derived: Derived): RuleOutcome;
}
