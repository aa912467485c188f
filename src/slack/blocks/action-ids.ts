/** Interaction ids of the Slack contract (interface.md §3). Never rename: installed messages carry them. */
export const ActionId = {
  showNodeEvents: 'causa.show_node_events',
  showPodEvents: 'causa.show_pod_events',
  showLogs: 'causa.show_logs',
  showRolloutHistory: 'causa.show_rollout_history',
  rerun: 'causa.rerun',
  applyFix: 'causa.apply_fix',
  feedbackCorrect: 'causa.feedback_correct',
  feedbackWrong: 'causa.feedback_wrong',
} as const;
export type ActionId = (typeof ActionId)[keyof typeof ActionId];

export const ViewCallbackId = {
  approveFix: 'causa.approve_fix',
} as const;
export type ViewCallbackId = (typeof ViewCallbackId)[keyof typeof ViewCallbackId];
