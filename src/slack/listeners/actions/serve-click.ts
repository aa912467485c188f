/**
 * The common path of every follow-up button: ack at once, re-read the stored row the button's
 * opaque value names (validated again), refuse politely when it is unknown or already running,
 * then run the handler and reply in the investigation's thread.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../../bot/deps.js';
import type { ClusterReader } from '../../../bot/readers.js';
import type { Facts } from '../../../domain/facts.js';
import type { ActionKind, ActionRow, InvestigationRow } from '../../../store/index.js';

export type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

export interface ClickContext {
  deps: BotDeps;
  user: string;
  row: ActionRow;
  investigation: InvestigationRow;
  thread: { channel: string; parentTs: string };
  facts: Facts | null;
  /** A reader for the investigation's cluster, or null when it cannot be reached. */
  reader: () => Promise<ClusterReader | null>;
  /** Private message to the clicking user. */
  tell: (text: string) => Promise<void>;
}

export function serveClick(deps: BotDeps, kind: ActionKind, handler: (c: ClickContext) => Promise<string | undefined>) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const user = body.user.id;
    deps.metrics.buttonClicks.inc({ action: kind });
    const tell = async (text: string) => {
      await respond({ response_type: 'ephemeral', replace_original: false, text }).catch((err) =>
        deps.log.warn('ephemeral reply failed', { err }),
      );
    };
    const row = typeof action.value === 'string' ? deps.store.actions.resolve(action.value, kind) : null;
    if (!row) {
      await tell(
        '⚠️ This button no longer matches a stored investigation (it may come from another Causa installation).',
      );
      return;
    }
    const investigation = deps.store.investigations.get(row.investigationId);
    if (!investigation?.slackChannel || !investigation.parentTs) {
      await tell('⚠️ The investigation behind this button has no thread any more.');
      return;
    }
    const run = deps.store.actions.claimActionRun(row.id, kind, user);
    if (!run) {
      await tell('⏳ Already on it: the answer will appear in the thread.');
      return;
    }
    const thread = { channel: investigation.slackChannel, parentTs: investigation.parentTs };
    try {
      const replyTs = await handler({
        deps,
        user,
        row,
        investigation,
        thread,
        facts: deps.store.investigations.getFacts(investigation.id),
        reader: async () => deps.readers.get(investigation.target.context).catch(() => null),
        tell,
      });
      deps.store.actions.finishActionRun(run.id, { status: 'done', ...(replyTs ? { replyTs } : {}) });
    } catch (err) {
      deps.log.error('button failed', { kind, err: err as Error });
      deps.store.actions.finishActionRun(run.id, { status: 'failed', error: (err as Error).message });
      await tell('⚠️ That did not work; see the bot logs.');
    }
  };
}
