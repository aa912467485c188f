/**
 * FM-16: a ReadWriteOnce volume is still attached to another node (FailedAttachVolume Multi-Attach).
 * Keys on the attach/detach controller's Multi-Attach event, corroborated by kubelet's FailedMount
 * timeout listing the volume as unattached, the PVC's access mode vs the workload's replicas/nodes,
 * and a NotReady/removed node still holding the attachment (the trigger). The node of a previous
 * instance of the waiting pod (a StatefulSet pod keeps its name) is found from the pod's own records
 * or, when only the node-controller's per-pod `NodeNotReady` names no node, from the node that went
 * NotReady at that moment (`previousNodes` in common.ts). A Multi-Attach that was followed by
 * SuccessfulAttachVolume with no pod still waiting is ruled out as transient.
 */
import { isNotReady, nodeCondition } from '../../analysis/nodes.js';
import type { CauseId } from '../../domain/causes.js';
import type { NodeFacts } from '../../domain/facts.js';
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
  previousNodes,
  quote,
  ref,
  rolloutExplains,
  type Scope,
  specSignal,
  statusSignal,
  times,
} from './common.js';

const MULTI = /Multi-Attach error for volume "([^"]+)"/;
/** The attach/detach controller's maxWaitForUnmountDuration before it force-detaches from an unhealthy node. */
const FORCE_DETACH_MS = 6 * 60_000;

function isDown(node: NodeFacts | undefined): boolean {
  return node !== undefined && (!node.exists || isNotReady(node));
}

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

    // A dead node still holding the attachment is the trigger: where the waiting pods ran before
    // (the volume followed them there) first, then any NotReady/removed node that hosted the target.
    const previous = previousNodes(facts, scope, pods);
    const nodeOf = (n: string) => facts.nodes.find((x) => x.name === n);
    const deadNodes = [
      ...new Set([
        ...previous.filter((n) => isDown(nodeOf(n))),
        ...[...scope.nodes.keys()].filter((n) => isDown(nodeOf(n))),
      ]),
    ];
    const dead = deadNodes[0] ?? null;
    const deadNode = dead ? nodeOf(dead) : undefined;
    const readyCond = deadNode ? nodeCondition(deadNode, 'Ready') : undefined;
    const explains: CauseId[] = ['volume-mount-failed', ...rolloutExplains(facts)];
    if (dead) {
      signals.push(
        statusSignal(
          ref('default', 'Node', dead),
          readyCond?.lastTransitionTime ?? null,
          deadNode?.exists === false
            ? `Node ${dead}, where the volume was last used, no longer exists.`
            : `Node ${dead}, where the volume was last used${previous.includes(dead) ? ` (by the previous ${pods.length > 1 ? 'instances' : `instance of ${pods[0]}`})` : ''}, is NotReady (Ready=${deadNode?.ready ?? 'Unknown'}${readyCond?.lastTransitionTime ? ` since ${clock(readyCond.lastTransitionTime)}` : ''})${deadNode?.taints.some((t) => /unreachable|not-ready/.test(t.key)) ? ', tainted unreachable/not-ready' : ''}.`,
        ),
      );
      explains.push('node-not-ready');
    }
    // The node loss that set it off (the dead node counts as one of the target's, through its earlier pod).
    const withPrevious: Scope = { ...scope, nodes: new Map(scope.nodes) };
    for (const n of previous) if (!withPrevious.nodes.has(n)) withPrevious.nodes.set(n, new Set(pods));
    const loss = nodeLoss(facts, withPrevious, last.first ?? last.last);
    const trigger = loss
      ? loss.text
      : dead
        ? `node ${dead} ${deadNode?.exists === false ? 'no longer exists' : `went NotReady${readyCond?.lastTransitionTime ? ` at ${clock(readyCond.lastTransitionTime)}` : ''}`} while holding the volume`
        : null;

    let fix: Fix | null = null;
    const hpa = facts.hpas.some(
      (h) =>
        h.spec?.scaleTargetRef?.name === scope.workload?.name && h.spec?.scaleTargetRef?.kind === scope.workload?.kind,
    );
    const deployment = scope.workload?.kind === 'Deployment' ? scope.workload : null;
    if (deployment && rwo && usesClaim && !dead && !hpa) {
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

    // A replacement with the same name (StatefulSet) was created once the old pod was deleted: the
    // attach/detach controller force-detaches from an unhealthy node about 6 min after that.
    const waitingPod = scope.pods.find((p) => p.metadata?.name === last.object);
    const recreated = scope.workload?.kind === 'StatefulSet' ? waitingPod?.metadata?.creationTimestamp : undefined;
    const forceAt =
      recreated && Number.isFinite(ms(recreated)) ? new Date(ms(recreated) + FORCE_DETACH_MS).toISOString() : null;
    const listAttachments = `kubectl get volumeattachment -o custom-columns=NAME:.metadata.name,PV:.spec.source.persistentVolumeName,NODE:.spec.nodeName,ATTACHED:.status.attached | grep ${volume}`;
    const stale = /exclusively attached to one node/.test(last.message);
    const stuck = scope.pods
      .filter((p) => dead && p.spec?.nodeName === dead && p.metadata?.deletionTimestamp)
      .map((p) => p.metadata?.name ?? '');
    let advice: string;
    if (dead) {
      advice =
        `Confirm node ${dead} is really down (kubectl get node ${dead}; its VM or instance in the provider's console) before releasing the volume: two nodes writing one ReadWriteOnce disk corrupts it. ` +
        `Then either wait: the attach/detach controller force-detaches the volume from an unhealthy node about 6 min after the old pod was deleted${forceAt ? ` (around ${clock(forceAt)} for ${last.object}, recreated at ${clock(recreated)})` : ''}; ` +
        `or, for a non-graceful node shutdown, kubectl taint node ${dead} node.kubernetes.io/out-of-service=nodeshutdown:NoExecute (its pods are force-deleted and their volumes detached at once; remove the taint once the node is back or deleted). ` +
        `If the attachment stays, clean it up: ${listAttachments}; kubectl delete volumeattachment <name>${stuck.length > 0 ? `; pods stuck Terminating there: kubectl -n ${ns} delete pod ${stuck.slice(0, 3).join(' ')} --grace-period=0 --force` : ''}. ` +
        `Pod ${last.object} then attaches the volume and starts.`;
    } else if (scope.workload?.kind === 'StatefulSet' || (stale && !deployment)) {
      advice =
        `The volume is still attached to the node where ${pods.length > 1 ? 'the previous instances' : `the previous instance of ${last.object}`} ran${stale ? ' (the error names no pod using it: a stale attachment)' : ''}. ` +
        `Find that node: ${listAttachments}. If it is down or gone, confirm it, then wait for the force-detach (about 6 min after the old pod was deleted), taint it node.kubernetes.io/out-of-service=nodeshutdown:NoExecute, or delete the VolumeAttachment. ` +
        `If it is healthy, its kubelet did not unmount the volume: kubectl describe node <node>, the kubelet log there, and pods stuck Terminating on it (kubectl -n ${ns} get pods -o wide).`;
    } else {
      advice = `A ReadWriteOnce volume can be attached to one node only: run one replica (or a StatefulSet with per-replica claims), use ReadWriteMany storage, or the Recreate strategy; kubectl -n ${ns} describe pvc ${pvcName ?? ''}.`;
    }
    const newNode = waitingPod?.spec?.nodeName;
    return {
      kind: 'match',
      summary: dead
        ? `Volume ${volume}${pvcName ? ` (PVC ${pvcName})` : ''} is still attached to node ${dead}, which ${deadNode?.exists === false ? 'no longer exists' : 'is down (NotReady)'}, so pod ${last.object} cannot start${newNode && newNode !== dead ? ` on ${newNode}` : ''}.`
        : `Volume ${volume}${pvcName ? ` (PVC ${pvcName})` : ''} is still attached to another node, so pod ${last.object} cannot start.`,
      signals,
      trigger,
      fix,
      advice,
      explains,
    };
  },
};
