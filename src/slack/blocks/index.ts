/** Pure Block Kit renderers of Causa's Slack messages (no Slack SDK types, no I/O). */
export { ActionId, ViewCallbackId } from './action-ids.js';
export {
  assertActionValue,
  codeFence,
  escapeMrkdwn,
  fitBlocks,
  LIMITS,
  splitMrkdwn,
  validateBlocks,
  validateMessage,
} from './limits.js';
export type { EventRow, LogSection, RolloutRevision } from './lists.js';
export { renderEvents, renderLogs, renderRolloutHistory } from './lists.js';
export type { ParentState, ParentStatus, ParentStepStatus } from './parent.js';
export { renderParent } from './parent.js';
export type { RootCauseOptions } from './root-cause.js';
export { renderRootCause } from './root-cause.js';
export type { StepEvidence } from './step-evidence.js';
export { renderStepEvidence } from './step-evidence.js';
export type * from './types.js';
