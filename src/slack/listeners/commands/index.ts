import type { App } from '@slack/bolt';
import type { BotDeps } from '../../../bot/deps.js';
import { causaCommand } from './causa.js';

export function registerCommands(app: App, deps: BotDeps): void {
  app.command('/causa', causaCommand(deps));
}
