/** Re-run: the same investigation again, in the same thread (the parent is edited in place). */
import type { BotDeps } from '../../../bot/deps.js';
import { runInThread } from '../../../bot/thread-run.js';
import { serveClick } from './serve-click.js';

export function rerun(deps: BotDeps) {
  return serveClick(deps, 'rerun', async ({ investigation, thread, user }) => {
    const ts = await deps.sender.post(
      thread.channel,
      { text: `↻ Re-running the investigation (requested by <@${user}>)…` },
      thread.parentTs,
    );
    const outcome = await runInThread(deps, {
      target: investigation.target,
      channel: thread.channel,
      requestedBy: user,
      trigger: 'rerun',
      thread,
      incidentId: investigation.incidentId,
      rerunOf: investigation.id,
    });
    return outcome.error ? undefined : ts;
  });
}
