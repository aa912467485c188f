import type { App } from '@slack/bolt';
import type { BotDeps } from '../../../bot/deps.js';
import { ViewCallbackId } from '../../blocks/action-ids.js';
import { approveFix } from './approve-fix.js';

export function registerViews(app: App, deps: BotDeps): void {
  app.view(ViewCallbackId.approveFix, approveFix(deps));
}
