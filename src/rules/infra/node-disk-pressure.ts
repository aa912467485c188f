/**
 * FM-18: DiskPressure / ephemeral-storage evictions (node nodefs/imagefs low, or a pod over its
 * ephemeral-storage / emptyDir limit). See `pressure.ts` for what it keys on.
 */
import type { Rule } from '../rule.js';
import { evaluatePressure } from './pressure.js';

export const nodeDiskPressure: Rule = {
  id: 'node-disk-pressure',
  evaluate: (facts, derived) => evaluatePressure(facts, derived, 'disk'),
};
