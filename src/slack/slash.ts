/** Parsing of `/causa …` text (pure). Mobile keyboards turn `--` into an em dash; both are accepted. */
import { parseArgs } from 'node:util';
import { parseTargetRef } from '../engine/kinds.js';

export type SlashCommand =
  | { cmd: 'investigate'; kind: string; name: string; namespace: string | null; context: string | null }
  | { cmd: 'status' }
  | { cmd: 'help' };

export class SlashUsageError extends Error {
  override name = 'SlashUsageError';
}

export const SLASH_HELP = [
  '*Causa* investigates Kubernetes incidents and answers with the root cause, evidence, a fix and a confidence.',
  '• `/causa investigate <kind>/<name> [-n namespace] [--context ctx]`: investigate now; the answer appears in a thread here',
  '   kinds: `deploy`, `sts`, `ds`, `rs`, `pod`, `job`, `cronjob`, `node`, `svc` (kubectl spellings)',
  '• `/causa status`: running investigations and cluster reachability',
  '• `/causa help`: this text',
  'Example: `/causa investigate deploy/payments-service -n production`',
].join('\n');

export function parseSlashText(text: string): SlashCommand {
  const words = text
    .replace(/[\u2014\u2013]/g, '--')
    .replace(/[\u201c\u201d]/g, '"')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const [sub, ...rest] = words;
  if (!sub || sub === 'help' || sub === '-h' || sub === '--help') return { cmd: 'help' };
  if (sub === 'status') return { cmd: 'status' };
  if (sub !== 'investigate') throw new SlashUsageError(`unknown command "${sub}"`);
  let parsed: ReturnType<
    typeof parseArgs<{
      options: { namespace: { type: 'string'; short: 'n' }; context: { type: 'string' } };
      allowPositionals: true;
      args: string[];
    }>
  >;
  try {
    parsed = parseArgs({
      args: rest,
      options: { namespace: { type: 'string', short: 'n' }, context: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new SlashUsageError(
      (err as Error).message.replace(/^TypeError \[\w+\]: /, '').replace(/\. To specify.*$/, ''),
    );
  }
  const [ref, extra] = parsed.positionals;
  if (!ref) throw new SlashUsageError('investigate needs a target <kind>/<name>');
  if (extra) throw new SlashUsageError(`unexpected "${extra}"`);
  const t = parseTargetRef(ref);
  if (!t)
    throw new SlashUsageError(
      ref.includes('/')
        ? `unknown kind "${ref.split('/')[0]}" (use deploy, sts, ds, rs, pod, job, cronjob, node, svc)`
        : `target must be <kind>/<name>, got "${ref}"`,
    );
  return {
    cmd: 'investigate',
    kind: t.kind,
    name: t.name,
    namespace: parsed.values.namespace ?? null,
    context: parsed.values.context ?? null,
  };
}
