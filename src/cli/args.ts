/** Command-line parsing (pure): kubectl-style flags, usage errors as values. */
import { parseArgs } from 'node:util';
import { parseTargetRef } from '../engine/kinds.js';

export const USAGE = `Usage:
  causa investigate <kind>/<name> [-n NAMESPACE] [--context CTX] [--since 2h] [--output text|json|blocks]
  causa snapshot <kind>/<name> [-n NAMESPACE] [--context CTX] -o FILE.yaml
  causa replay FILE.yaml [--output text|json|blocks] [<kind>/<name> -n NAMESPACE]
  causa simulate [--scenario NAME|FILE] [--port N] [--latency MS]
  causa help

Kinds: deploy|deployment, sts|statefulset, ds|daemonset, rs|replicaset, po|pod, job, cronjob, no|node, svc|service.
Examples:
  causa investigate deploy/payments-service -n production
  causa investigate pod/api-7c9d8f6b5d-x2k4q -n shop --output json
Exit codes: 0 investigated, 2 usage error, 3 cluster unreachable/unauthenticated/forbidden, 4 target not found.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export type OutputFormat = 'text' | 'json' | 'blocks';

export type Command =
  | {
      cmd: 'investigate' | 'snapshot';
      kind: string;
      name: string;
      namespace: string | null;
      context: string | null;
      sinceMs: number;
      output: OutputFormat;
      file: string | null;
      quiet: boolean;
      kubeconfig: string | null;
    }
  | {
      cmd: 'replay';
      file: string;
      output: OutputFormat;
      target: { kind: string; name: string } | null;
      namespace: string | null;
      quiet: boolean;
    }
  | { cmd: 'simulate'; scenario: string; port: number; latencyMs: number }
  | { cmd: 'help' }
  | { cmd: 'version' };

export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value.trim());
  if (!m) throw new UsageError(`invalid duration "${value}" (use e.g. 30m, 2h, 1d)`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's'];
}

function parseOutput(value: string | undefined): OutputFormat {
  const v = value ?? 'text';
  if (v === 'text' || v === 'json' || v === 'blocks') return v;
  throw new UsageError(`unknown --output "${v}" (use text, json or blocks)`);
}

function parseTarget(value: string | undefined, cmd: string) {
  if (!value) throw new UsageError(`${cmd} needs a target <kind>/<name>, e.g. deploy/payments-service`);
  const t = parseTargetRef(value);
  if (!t) {
    const kind = value.split('/')[0];
    throw new UsageError(
      value.includes('/')
        ? `unknown kind "${kind}" in "${value}" (kinds: deploy, sts, ds, rs, pod, job, cronjob, node, svc)`
        : `target must be <kind>/<name>, got "${value}"`,
    );
  }
  return t;
}

export function parseCommand(argv: string[]): Command {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') return { cmd: 'help' };
  if (cmd === 'version' || cmd === '--version') return { cmd: 'version' };
  const opts = {
    namespace: { type: 'string', short: 'n' },
    context: { type: 'string' },
    since: { type: 'string' },
    output: { type: 'string', short: 'o' },
    quiet: { type: 'boolean', short: 'q' },
    kubeconfig: { type: 'string' },
    scenario: { type: 'string' },
    port: { type: 'string' },
    latency: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  let parsed: ReturnType<typeof parseArgs<{ options: typeof opts; allowPositionals: true; args: string[] }>>;
  try {
    parsed = parseArgs({ args: rest, options: opts, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[\w+\]: /, ''));
  }
  const { values: v, positionals } = parsed;
  if (v.help) return { cmd: 'help' };
  switch (cmd) {
    case 'investigate':
    case 'snapshot': {
      if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
      const t = parseTarget(positionals[0], cmd);
      const snapshot = cmd === 'snapshot';
      if (snapshot && !v.output) throw new UsageError('snapshot needs -o FILE.yaml');
      return {
        cmd,
        kind: t.kind,
        name: t.name,
        namespace: v.namespace ?? null,
        context: v.context ?? null,
        sinceMs: v.since ? parseDuration(v.since) : 2 * 3_600_000,
        output: snapshot ? 'text' : parseOutput(v.output),
        file: snapshot ? (v.output ?? null) : null,
        quiet: v.quiet ?? false,
        kubeconfig: v.kubeconfig ?? null,
      };
    }
    case 'replay': {
      const [file, target] = positionals;
      if (!file) throw new UsageError('replay needs a scenario or snapshot FILE.yaml');
      return {
        cmd,
        file,
        output: parseOutput(v.output),
        target: target ? parseTarget(target, cmd) : null,
        namespace: v.namespace ?? null,
        quiet: v.quiet ?? false,
      };
    }
    case 'simulate': {
      const port = v.port ? Number(v.port) : 0;
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid --port "${v.port}"`);
      const latencyMs = v.latency ? Number(v.latency) : 0;
      if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new UsageError(`invalid --latency "${v.latency}"`);
      return { cmd, scenario: v.scenario ?? positionals[0] ?? 'seed-payments-redis-spot', port, latencyMs };
    }
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}
