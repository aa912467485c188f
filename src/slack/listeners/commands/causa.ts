/** `/causa investigate|status|help`: ack at once (Slack's 3 s deadline), then work. */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../../bot/deps.js';
import { runInThread } from '../../../bot/thread-run.js';
import { parseSlashText, SLASH_HELP, SlashUsageError } from '../../slash.js';

export function causaCommand(deps: BotDeps) {
  return async ({ ack, command, respond }: AllMiddlewareArgs & SlackCommandMiddlewareArgs): Promise<void> => {
    let parsed: ReturnType<typeof parseSlashText>;
    try {
      parsed = parseSlashText(command.text);
    } catch (err) {
      if (err instanceof SlashUsageError) {
        await ack({ response_type: 'ephemeral', text: `⚠️ ${err.message}\n\n${SLASH_HELP}` });
        return;
      }
      throw err;
    }
    if (parsed.cmd === 'help') {
      await ack({ response_type: 'ephemeral', text: SLASH_HELP });
      return;
    }
    if (parsed.cmd === 'status') {
      await ack();
      await respond({ response_type: 'ephemeral', text: await statusText(deps) });
      return;
    }
    const where = parsed.kind === 'Node' ? '' : ` in ${parsed.namespace ?? 'the default namespace'}`;
    await ack({
      response_type: 'ephemeral',
      text: `🔍 Investigating \`${parsed.kind.toLowerCase()}/${parsed.name}\`${where}… the answer appears in a thread in this channel.`,
    });
    const reader = await deps.readers.get(parsed.context).catch(() => null);
    void runInThread(deps, {
      target: {
        kind: parsed.kind,
        name: parsed.name,
        namespace: parsed.kind === 'Node' ? '' : (parsed.namespace ?? reader?.defaultNamespace ?? 'default'),
        context: parsed.context,
      },
      channel: command.channel_id,
      requestedBy: command.user_id,
      trigger: 'slash',
      notify: async (text) => {
        await respond({ response_type: 'ephemeral', text });
      },
    }).catch((err) => deps.log.error('slash investigation failed', { err }));
  };
}

async function statusText(deps: BotDeps): Promise<string> {
  const running = deps.store.investigations.listUnfinished();
  const lines = [
    running.length === 0
      ? '• No investigation running.'
      : `• Running: ${running.map((r) => `\`${r.target.kind.toLowerCase()}/${r.target.name}\` (since ${r.startedAt.slice(11, 16)} UTC)`).join(', ')}`,
  ];
  const contexts: (string | null)[] =
    deps.config.clusters.length > 0 ? deps.config.clusters.map((c) => c.context) : [null];
  for (const ctx of contexts) {
    try {
      const reader = await deps.readers.get(ctx);
      const t0 = Date.now();
      await reader.list('namespaces', { namespace: null, limit: 1, maxItems: 1 });
      lines.push(
        `• Cluster \`${reader.context ?? ctx ?? 'default'}\` (${reader.server}): reachable, ${Date.now() - t0} ms`,
      );
    } catch (err) {
      lines.push(`• Cluster \`${ctx ?? 'default'}\`: *unreachable*: ${(err as Error).message}`);
    }
  }
  const recent = deps.store.investigations.listRecent(5).filter((r) => r.status !== 'running');
  if (recent.length > 0)
    lines.push(
      `• Recent: ${recent.map((r) => `\`${r.target.name}\` → ${r.result?.rootCause.id ?? r.status}`).join(', ')}`,
    );
  return `*Causa status*\n${lines.join('\n')}`;
}
