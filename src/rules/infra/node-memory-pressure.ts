/**
 * FM-19: MemoryPressure evictions (the node ran out of memory; not a container hitting its own
 * limit, which is `oom-killed`). See `pressure.ts` for what it keys on.
 */
import type { Rule } from '../rule.js';
import { evaluatePressure } from './pressure.js';

export const nodeMemoryPressure: Rule = {
  id: 'node-memory-pressure',
  evaluate: (facts, derived) => evaluatePressure(facts, derived, 'memory'),
};
