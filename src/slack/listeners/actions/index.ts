import type { App } from '@slack/bolt';
import type { BotDeps } from '../../../bot/deps.js';
import { ActionId } from '../../blocks/action-ids.js';
import { applyFix } from './apply-fix.js';
import { feedback } from './feedback.js';
import { followUp } from './follow-up.js';
import { rerun } from './rerun.js';

export function registerActions(app: App, deps: BotDeps): void {
  app.action(ActionId.showNodeEvents, followUp(deps, 'show_node_events'));
  app.action(ActionId.showPodEvents, followUp(deps, 'show_pod_events'));
  app.action(ActionId.showLogs, followUp(deps, 'show_logs'));
  app.action(ActionId.showRolloutHistory, followUp(deps, 'show_rollout_history'));
  app.action(ActionId.rerun, rerun(deps));
  app.action(ActionId.applyFix, applyFix(deps));
  app.action(ActionId.feedbackCorrect, feedback(deps, 'correct'));
  app.action(ActionId.feedbackWrong, feedback(deps, 'wrong'));
}
