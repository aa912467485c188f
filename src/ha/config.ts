/** Opt-in leader election from the environment (`CAUSA_LEADER_ELECTION=lease`). */
import { hostname } from 'node:os';
import { ConfigError } from '../config/load.js';

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  identity: string;
  context?: string;
  leaseDurationSeconds: number;
  renewEveryMs: number;
}

function positiveInt(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${key}: expected a positive integer, got "${raw}"`);
  return n;
}

/**
 * `null` when leader election is off (unset or `none`). Throws ConfigError (exit 78) on invalid values.
 * Identity: POD_NAME (downward API), else hostname-pid. Namespace: CAUSA_LEASE_NAMESPACE, POD_NAMESPACE, `default`.
 */
export function leaderElectionFromEnv(env: NodeJS.ProcessEnv): LeaderElectionConfig | null {
  const mode = env.CAUSA_LEADER_ELECTION ?? '';
  if (mode === '' || mode === 'none') return null;
  if (mode !== 'lease') {
    throw new ConfigError(`CAUSA_LEADER_ELECTION: expected "lease" or "none", got "${mode.slice(0, 40)}"`);
  }
  const leaseDurationSeconds = positiveInt(env, 'CAUSA_LEASE_DURATION_SECONDS', 15);
  const renewEveryMs = positiveInt(env, 'CAUSA_LEASE_RENEW_MS', Math.min(5000, (leaseDurationSeconds * 1000) / 3));
  if (renewEveryMs * 2 > leaseDurationSeconds * 1000) {
    throw new ConfigError(
      `CAUSA_LEASE_RENEW_MS: ${renewEveryMs} must be at most half of CAUSA_LEASE_DURATION_SECONDS (${leaseDurationSeconds} s)`,
    );
  }
  return {
    namespace: env.CAUSA_LEASE_NAMESPACE || env.POD_NAMESPACE || 'default',
    name: env.CAUSA_LEASE_NAME || 'causa-leader',
    identity: env.POD_NAME || `${hostname()}-${process.pid}`,
    ...(env.CAUSA_LEASE_CONTEXT ? { context: env.CAUSA_LEASE_CONTEXT } : {}),
    leaseDurationSeconds,
    renewEveryMs: Math.round(renewEveryMs),
  };
}

/**
 * This replica's HTTP address as other pods reach it: `POD_IP` (downward API `status.podIP`) and
 * PORT; 127.0.0.1 when POD_IP is unset (replicas on one machine).
 */
export function advertisedUrl(podIp: string | undefined, port: number): string {
  const ip = podIp?.trim() || '127.0.0.1';
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}
