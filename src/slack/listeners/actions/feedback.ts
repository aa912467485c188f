/** Feedback on the root cause: recorded once per user (a second vote replaces the first). */
import type { BotDeps } from '../../../bot/deps.js';
import { serveClick } from './serve-click.js';

export function feedback(deps: BotDeps, verdict: 'correct' | 'wrong') {
  return serveClick(deps, 'feedback', async ({ investigation, user, tell }) => {
    const { replaced } = deps.store.feedback.record({ investigationId: investigation.id, userId: user, verdict });
    deps.metrics.feedback.inc({ verdict });
    deps.store.audit.append({ actor: user, action: `feedback.${verdict}`, target: investigation.id });
    const cause = investigation.result?.rootCause.id ?? 'the root cause';
    await tell(
      verdict === 'correct'
        ? `👍 Thanks: recorded that \`${cause}\` was right${replaced ? ' (your earlier vote was replaced)' : ''}.`
        : `👎 Thanks: recorded that \`${cause}\` was wrong${replaced ? ' (your earlier vote was replaced)' : ''}. Re-run after more evidence lands, or tell the team what it was.`,
    );
    return undefined;
  });
}
