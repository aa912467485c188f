/** The rule registry, in order (most specific first). Registry order breaks ranking ties. */
import { appCrash } from './app-crash.js';
import { badRollout } from './bad-rollout.js';
import { cpuThrottling } from './cpu-throttling.js';
import { dnsFailure } from './dns-failure.js';
import { gracefulShutdownTimeout } from './graceful-shutdown-timeout.js';
import { imageNotFound } from './image-not-found.js';
import { imagePullAuth } from './image-pull-auth.js';
import { infraRules } from './infra/index.js';
import { initContainerFailed } from './init-container-failed.js';
import { lifecycleHookFailed } from './lifecycle-hook-failed.js';
import { livenessProbeMisconfigured } from './liveness-probe-misconfigured.js';
import { missingConfigReference } from './missing-config-reference.js';
import { oomKilled } from './oom-killed.js';
import { podSandboxFailed } from './pod-sandbox-failed.js';
import { probeTimeoutSlowDependency } from './probe-timeout-slow-dependency.js';
import { readinessProbeFailing } from './readiness-probe-failing.js';
import type { Rule } from './rule.js';
import { startupProbeTooShort } from './startup-probe-too-short.js';
import { volumeMountFailed } from './volume-mount-failed.js';

export const rules = [
  probeTimeoutSlowDependency,
  oomKilled,
  missingConfigReference,
  volumeMountFailed,
  imageNotFound,
  imagePullAuth,
  startupProbeTooShort,
  livenessProbeMisconfigured,
  readinessProbeFailing,
  initContainerFailed,
  lifecycleHookFailed,
  podSandboxFailed,
  dnsFailure,
  badRollout,
  appCrash,
  cpuThrottling,
  gracefulShutdownTimeout,
  ...infraRules,
] as const satisfies readonly Rule[];
