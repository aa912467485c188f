/** The ordered step registry. Add a step: one file, one line here. */
import { autoscaling } from './autoscaling.js';
import { clusterWarnings } from './cluster-warnings.js';
import { dependencies } from './dependencies.js';
import { disruption } from './disruption.js';
import { logs } from './logs.js';
import { network } from './network.js';
import { nodes } from './nodes.js';
import { ownerEvents } from './owner-events.js';
import { podEvents } from './pod-events.js';
import { quotas } from './quotas.js';
import { references } from './references.js';
import { resolveTarget } from './resolve-target.js';
import { services } from './services.js';
import type { Step } from './step.js';
import { storage } from './storage.js';

export const steps = [
  resolveTarget,
  podEvents,
  ownerEvents,
  logs,
  dependencies,
  services,
  storage,
  autoscaling,
  disruption,
  clusterWarnings,
  nodes,
  quotas,
  references,
  network,
] as const satisfies readonly Step[];

export type StepId = (typeof steps)[number]['id'];
