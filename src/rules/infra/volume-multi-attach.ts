/**
 * FM-16: a ReadWriteOnce volume is still attached to another node (FailedAttachVolume Multi-Attach).
 * Keys on the attach/detach controller's Multi-Attach event, corroborated by kubelet's FailedMount
 * timeout listing the volume as unattached, the PVC's access mode vs the workload's replicas/nodes,
 * and a NotReady/removed node still holding the attachment (the trigger). A Multi-Attach that was
 * followed by SuccessfulAttachVolume with no pod still waiting is ruled out as transient.
 */
import { isNotReady } from '../../analysis/nodes.js';
import type { CauseId } from '../../domain/causes.js';
import type { Evidence, Fix } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  eventSignal,
  latestOf,
  ms,
  nodeLoss,
  objName,
  podEvents,
  quote,
  ref,
  rolloutExplains,
  specSignal,
  statusSignal,
  times,
} from './common.js';

const MULTI = /Multi-Attach error for volume "([^"]+)"/;

export const volumeMultiAttach: Rule = {
  id: 'volume-multi-attach',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const multi = podEvents(facts, scope, ['FailedAttachVolume']).filter((e) => MULTI.test(e.message));
    if (multi.length === 0) return null;
    const last = latestOf(multi, (e) => e.last);
    if (!last) return null;
    const volume = MULTI.exec(last.message)?.[1] ?? '';
    const ns = scope.namespace;

    // Transient: the attach later succeeded and no target pod is still waiting to start.
    const attached = podEvents(facts, scope, ['SuccessfulAttachVolume']).filter(
      (e) => e.message.includes(`"${volume}"`) && ms(e.last) > ms(last.last),
    );
    const waiting = scope.pods.filter(
      (p) =>
        (p.status?.containerStatuses ?? []).some((c) => c.state?.waiting?.reason === 'ContainerCreating') ||
        (p.status?.phase === 'Pending' && !!p.spec?.nodeName && !(p.status?.containerStatuses ?? []).length),
    );
    if (attached.length > 0 && waiting.length === 0) {
      return {
        kind: 'ruled-out',
        reason: `Multi-Attach for volume ${volume} at ${clock(last.last)} resolved: AttachVolume succeeded at ${clock(attached[0]?.last)} and no pod is waiting on it.`,
      };
    }

    const pods = [...new Set(multi.map((e) => e.object))];
    const signals: Evidence[] = [
      eventSignal(
        last,
        `FailedAttachVolume on ${pods.length > 1 ? `${pods.length} pods` : `pod ${last.object}`}${times(last)}: ${quote(last.message)}`,
      ),
    ];
    const mount = latestOf(
      podEvents(facts, scope, ['FailedMount']).filter((e) => /unattached volumes=\[[^\]]+\]/.test(e.message)),
      (e) => e.last,
    );
    if (mount) {
      signals.push(
        eventSignal(
          mount,
          `FailedMount${times(mount)} on ${mount.object}: ${quote(mount.message)} (the volume never got attached to this node).`,
        ),
      );
    }

    // The claim and how the workload uses it.
    const pvc = facts.pvcs.find((p) => p.spec?.volumeName === volume) ?? null;
    const pvcName = pvc ? objName(pvc) : null;
    const modes: string[] = pvc?.spec?.accessModes ?? pvc?.status?.accessModes ?? [];
    const rwo = modes.length === 0 || modes.some((m) => m === 'ReadWriteOnce' || m === 'ReadWriteOncePod');
    const w = facts.target.workload;
    const replicas = typeof w?.spec?.replicas === 'number' ? (w.spec.replicas as number) : null;
    const usesClaim =
      !!pvcName && (scope.template?.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === pvcName);
    const podNodes = new Set(scope.pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n));
    if (pvc && rwo && usesClaim && scope.workload && (replicas ?? 0) > 1) {
      signals.push(
        specSignal(
          ref(ns, scope.workload.kind, scope.workload.name),
          `${scope.workload.kind} ${scope.workload.name} runs ${replicas} replicas that all mount PVC ${pvcName} (${modes.join(', ') || 'ReadWriteOnce'})${podNodes.size > 1 ? ` from ${podNodes.size} nodes` : ''}.`,
        ),
      );
    } else if (pvc && rwo) {
      signals.push(
        statusSignal(
          ref(ns, 'PersistentVolumeClaim', pvcName ?? ''),
          null,
          `PVC ${pvcName} is ${modes.join(', ') || 'ReadWriteOnce'}: one node at a time.`,
        ),
      );
    }

    // A dead node still holding the attachment is the trigger.
    const deadNodes = [...scope.nodes.keys()].filter((n) => {
      const node = facts.nodes.find((x) => x.name === n);
      return node !== undefined && (isNotReady(node) || !node.exists);
    });
    const loss = nodeLoss(facts, scope, last.first ?? last.last);
    const explains: CauseId[] = ['volume-mount-failed', ...rolloutExplains(facts)];
    if (deadNodes.length > 0) {
      const node = facts.nodes.find((x) => x.name === deadNodes[0]);
      signals.push(
        statusSignal(
          ref('default', 'Node', deadNodes[0] ?? ''),
          node?.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime ?? null,
          node?.exists === false
            ? `Node ${deadNodes[0]}, where the volume was last used, no longer exists.`
            : `Node ${deadNodes[0]}, where the volume was last used, is NotReady (Ready=${node?.ready ?? 'Unknown'}).`,
        ),
      );
      explains.push('node-not-ready');
    }

    let fix: Fix | null = null;
    const hpa = facts.hpas.some(
      (h) =>
        h.spec?.scaleTargetRef?.name === scope.workload?.name && h.spec?.scaleTargetRef?.kind === scope.workload?.kind,
    );
    const deployment = scope.workload?.kind === 'Deployment' ? scope.workload : null;
    if (deployment && rwo && usesClaim && deadNodes.length === 0 && !hpa) {
      if ((replicas ?? 0) > 1) {
        fix = {
          summary: `scale ${deployment.name} ${replicas}→1: a ReadWriteOnce volume (${pvcName}) can serve only one node`,
          resource: deployment,
          patchType: 'merge',
          patch: { spec: { replicas: 1 } },
        };
      } else if (replicas === 1 && (w?.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        fix = {
          summary: `use the Recreate strategy for ${deployment.name}: a rolling update starts the new pod while the old one still holds ${pvcName}`,
          resource: deployment,
          patchType: 'merge',
          patch: { spec: { strategy: { type: 'Recreate', rollingUpdate: null } } },
        };
      }
    }
    const advice =
      deadNodes.length > 0
        ? `Confirm node ${deadNodes[0]} is really gone, then release the volume: kubectl get volumeattachment | grep ${volume}; kubectl delete volumeattachment <name> (or kubectl taint node ${deadNodes[0]} node.kubernetes.io/out-of-service=nodeshutdown:NoExecute) and delete the stale pod stuck Terminating.`
        : `A ReadWriteOnce volume can be attached to one node only: run one replica (or a StatefulSet with per-replica claims), use ReadWriteMany storage, or the Recreate strategy; kubectl -n ${ns} describe pvc ${pvcName ?? ''}.`;
    return {
      kind: 'match',
      summary: `Volume ${volume}${pvcName ? ` (PVC ${pvcName})` : ''} is still attached to another node, so pod ${last.object} cannot start${deadNodes.length > 0 ? ` (node ${deadNodes[0]} is down)` : ''}.`,
      signals,
      trigger: loss ? loss.text : null,
      fix,
      advice,
      explains,
    };
  },
};
