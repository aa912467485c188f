import type { FileConfig } from '../config/schema.js';
import type { FixRuntime } from '../fixes/runtime.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { SlackSender } from '../slack/sender.js';
import type { Store } from '../store/index.js';
import type { ReaderFactory } from './readers.js';

/** What the bot's services need; built once in main.ts (the composition root). */
export interface BotDeps {
  store: Store;
  sender: SlackSender;
  readers: ReaderFactory;
  log: Logger;
  metrics: Metrics;
  config: FileConfig;
  now: () => Date;
  /** The approve-fix executor: patchers, approver resolution, verification settings. */
  fixes: FixRuntime;
}
