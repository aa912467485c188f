/** Show node events / pod events / logs / rollout history: captured evidence plus a live refresh. */

import type { BotDeps } from '../../../bot/deps.js';
import * as followups from '../../../bot/followups.js';
import type { ActionKind } from '../../../store/index.js';
import { serveClick } from './serve-click.js';

const ANSWERS = {
  show_node_events: followups.nodeEvents,
  show_pod_events: followups.podEvents,
  show_logs: followups.logs,
  show_rollout_history: followups.rolloutHistory,
} as const;

export function followUp(deps: BotDeps, kind: keyof typeof ANSWERS & ActionKind) {
  return serveClick(deps, kind, async ({ facts, reader, thread, user, tell, investigation }) => {
    if (!facts) {
      await tell('⚠️ No evidence was captured for this investigation.');
      return undefined;
    }
    const asOf = investigation.finishedAt ?? investigation.startedAt;
    const answer = await ANSWERS[kind](facts, await reader(), asOf);
    const note = answer.liveError
      ? `\n_live refresh failed (${answer.liveError}); showing evidence as of capture_`
      : '';
    const msg = { text: `${answer.message.text} (asked by <@${user}>)${note}`, blocks: answer.message.blocks };
    const ts = await deps.sender.post(thread.channel, msg, thread.parentTs);
    if (answer.message.overflow)
      await deps.sender.upload(thread.channel, thread.parentTs, answer.file, answer.message.overflow);
    return ts;
  });
}
