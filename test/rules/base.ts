/** A small healthy Deployment `web` (2 replicas, container `app`) that rule tests bend into incidents. */

import type { Facts } from '../../src/domain/facts.js';
import type { Container, ContainerStatus, PodTemplate } from '../../src/domain/k8s.js';
import { at, container, deployment, facts, pod, revision, template } from './fixtures.js';

export const RS = 'web-6d8f7c9b5';
export const PODS = [`${RS}-a1b2c`, `${RS}-d3e4f`];

export interface BaseOpts {
  containers?: Container[];
  initContainers?: Container[];
  extraSpec?: Record<string, unknown>;
  /** Status of container(s) per pod (same for both pods unless a function is given). */
  statuses?:
    | (Partial<ContainerStatus> & { name: string })[]
    | ((i: number) => (Partial<ContainerStatus> & { name: string })[]);
  initStatuses?: (Partial<ContainerStatus> & { name: string })[];
  ready?: boolean;
  phase?: string;
  podIP?: string;
  /** When revision 3 (current) was created; revision 2 is a week older. */
  rolloutAt?: string;
  previousTemplate?: PodTemplate;
}

export function base(o: BaseOpts = {}): Facts {
  const tpl = template(o.containers ?? [container()], {
    ...(o.initContainers ? { initContainers: o.initContainers } : {}),
    ...(o.extraSpec ?? {}),
  });
  const w = deployment('web', tpl, 2);
  const pods = PODS.map((name, i) =>
    pod(name, {
      node: `node-${i + 1}`,
      created: o.rolloutAt ?? at('10:00', '2026-04-24'),
      owner: { kind: 'ReplicaSet', name: RS },
      containers: tpl.spec?.containers ?? [],
      ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      ...(o.extraSpec ? { extraSpec: o.extraSpec } : {}),
      ...(o.statuses ? { statuses: typeof o.statuses === 'function' ? o.statuses(i) : o.statuses } : {}),
      ...(o.initStatuses ? { initStatuses: o.initStatuses } : {}),
      ...(o.ready !== undefined ? { ready: o.ready } : {}),
      ...(o.phase ? { phase: o.phase } : {}),
      podIP: o.podIP ?? `10.0.0.${10 + i}`,
    }),
  );
  return facts({
    workload: w,
    target: {
      name: 'web',
      ownerChain: [
        { kind: 'ReplicaSet', name: RS },
        { kind: 'Deployment', name: 'web' },
      ],
    },
    revisions: [
      revision(3, RS, o.rolloutAt ?? at('10:00', '2026-04-24'), tpl, true),
      revision(2, 'web-5c7d6b8a4', at('10:00', '2026-04-17'), o.previousTemplate ?? tpl),
    ],
    pods,
  });
}
