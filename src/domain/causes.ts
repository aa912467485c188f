/** Stable root-cause ids (shared/cause-taxonomy.md). Never rename; add new ids at the end. */
export const CAUSE_IDS = [
  'probe-timeout-slow-dependency',
  'oom-killed',
  'app-crash',
  'missing-config-reference',
  'volume-mount-failed',
  'image-not-found',
  'image-pull-auth',
  'readiness-probe-failing',
  'startup-probe-too-short',
  'liveness-probe-misconfigured',
  'insufficient-resources',
  'scheduling-constraints',
  'volume-unbound',
  'volume-multi-attach',
  'node-not-ready',
  'node-disk-pressure',
  'node-memory-pressure',
  'bad-rollout',
  'quota-exceeded',
  'hpa-at-max',
  'hpa-metrics-unavailable',
  'dns-failure',
  'init-container-failed',
  'lifecycle-hook-failed',
  'cpu-throttling',
  'graceful-shutdown-timeout',
  'pdb-blocking-disruption',
  'service-no-endpoints',
  'certificate-invalid',
  'node-shutdown',
  'preempted',
  'pod-sandbox-failed',
  'admission-rejected',
  'job-failed',
  'no-issue-found',
  'unknown',
] as const;

export type CauseId = (typeof CAUSE_IDS)[number];
/** The ids a failure rule may conclude (everything but the two verdicts of absence). */
export type FailureCauseId = Exclude<CauseId, 'no-issue-found' | 'unknown'>;

export function isCauseId(value: string): value is CauseId {
  return (CAUSE_IDS as readonly string[]).includes(value);
}
