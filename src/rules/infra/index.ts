/**
 * Infrastructure rules (scheduling, volumes, nodes, quotas, autoscaling, disruption budgets,
 * Services, certificates, admission, Jobs), most specific first: a certificate failure before the
 * generic admission/quota readings of the same FailedCreate, node shutdown/preemption before the
 * generic NotReady, node conditions before the scheduler's view, Job failure last (catch-all).
 */
import type { Rule } from '../rule.js';
import { admissionRejected } from './admission-rejected.js';
import { certificateInvalid } from './certificate-invalid.js';
import { hpaAtMax } from './hpa-at-max.js';
import { hpaMetricsUnavailable } from './hpa-metrics-unavailable.js';
import { insufficientResources } from './insufficient-resources.js';
import { jobFailed } from './job-failed.js';
import { nodeDiskPressure } from './node-disk-pressure.js';
import { nodeMemoryPressure } from './node-memory-pressure.js';
import { nodeNotReady } from './node-not-ready.js';
import { nodeShutdown } from './node-shutdown.js';
import { pdbBlockingDisruption } from './pdb-blocking-disruption.js';
import { preempted } from './preempted.js';
import { quotaExceeded } from './quota-exceeded.js';
import { schedulingConstraints } from './scheduling-constraints.js';
import { serviceNoEndpoints } from './service-no-endpoints.js';
import { volumeMultiAttach } from './volume-multi-attach.js';
import { volumeUnbound } from './volume-unbound.js';

export const infraRules: readonly Rule[] = [
  certificateInvalid,
  quotaExceeded,
  admissionRejected,
  volumeMultiAttach,
  volumeUnbound,
  nodeShutdown,
  preempted,
  nodeDiskPressure,
  nodeMemoryPressure,
  nodeNotReady,
  schedulingConstraints,
  insufficientResources,
  pdbBlockingDisruption,
  serviceNoEndpoints,
  hpaMetricsUnavailable,
  hpaAtMax,
  jobFailed,
];
