/**
 * FM-14 / FM-15: the pod waits on its volume. Either the PVC stays Pending (StorageClass missing,
 * no provisioner, provisioning failing, no PV to bind) or a bound zonal volume pins the pod to a zone
 * where no node can take it (`didn't match PersistentVolume's node affinity` / `volume node affinity conflict`).
 * Keys on PVC phase and events, the StorageClass lookup, the FailedScheduling volume clauses and the
 * PV's zone vs the nodes' zones. `WaitForFirstConsumer` alone is normal and is ruled out.
 */
import { isCordoned, isNotReady, requiredNodeTerms, zoneOf } from '../../analysis/nodes.js';
import { describeClauses } from '../../analysis/scheduling.js';
import type { Facts } from '../../domain/facts.js';
import type { KubeObject } from '../../domain/k8s.js';
import type { Evidence } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  byMessage,
  clock,
  eventSignal,
  latestOf,
  ms,
  nodeLoss,
  objName,
  quote,
  ref,
  rolloutExplains,
  type Scope,
  schedulingPicture,
  schedulingSignal,
  statusSignal,
  times,
} from './common.js';

/** Claim names the target uses: template/pod volumes and StatefulSet volumeClaimTemplates. */
function targetClaims(facts: Facts, scope: Scope): KubeObject[] {
  const names = new Set<string>();
  const specs = [scope.template?.spec, ...scope.pods.map((p) => p.spec)];
  for (const s of specs)
    for (const v of s?.volumes ?? []) if (v.persistentVolumeClaim) names.add(v.persistentVolumeClaim.claimName);
  const patterns: RegExp[] = [];
  const w = facts.target.workload;
  if (w?.kind === 'StatefulSet' && w.metadata?.name) {
    for (const t of (w.spec?.volumeClaimTemplates ?? []) as KubeObject[]) {
      const base = `${objName(t)}-${w.metadata.name}-`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      patterns.push(new RegExp(`^${base}\\d+$`));
    }
  }
  const pvcs = facts.pvcs.filter((p) => (p.metadata?.namespace ?? scope.namespace) === scope.namespace);
  const mine = pvcs.filter((p) => names.has(objName(p)) || patterns.some((re) => re.test(objName(p))));
  return names.size === 0 && patterns.length === 0 ? pvcs : mine;
}

function pvZones(pv: KubeObject): string[] {
  const zones: string[] = [];
  for (const term of requiredNodeTerms({
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: pv.spec?.nodeAffinity?.required },
  })) {
    for (const r of term.matchExpressions ?? []) {
      if (/zone/.test(r.key) && r.operator === 'In') zones.push(...(r.values ?? []));
    }
  }
  return zones;
}

export const volumeUnbound: Rule = {
  id: 'volume-unbound',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const pic = schedulingPicture(facts, scope);
    const claims = targetClaims(facts, scope);
    const claimNames = new Set(claims.map(objName));
    const pending = claims.filter((p) => p.status?.phase === 'Pending');
    const pvcEvents = facts.events.filter(
      (e) =>
        e.kind === 'PersistentVolumeClaim' &&
        claimNames.has(e.object) &&
        (e.objectNamespace ?? scope.namespace) === scope.namespace,
    );
    const failing = pvcEvents.filter(
      (e) =>
        (e.reason === 'ProvisioningFailed' || e.reason === 'FailedBinding') &&
        pending.some((p) => objName(p) === e.object),
    );
    const external = pvcEvents.filter(
      (e) => e.reason === 'ExternalProvisioning' && pending.some((p) => objName(p) === e.object),
    );
    const waitFFC = pvcEvents.filter((e) => e.reason === 'WaitForFirstConsumer');
    const missingClass = pending
      .map((p) => ({ pvc: p, cls: p.spec?.storageClassName as string | undefined }))
      .filter((x) => x.cls && facts.storageClasses.some((s) => s.name === x.cls && !s.exists));
    const volumeVerdict = pic.pending.length > 0 && pic.assessment?.verdict === 'volume';

    // Provisioner silent: ExternalProvisioning for a long time with no progress.
    const stuckExternal = external.filter((e) => {
      const pvc = pending.find((p) => objName(p) === e.object);
      const since = ms(pvc?.metadata?.creationTimestamp ?? e.first);
      return ms(facts.now) - since >= 5 * 60_000;
    });

    if (!volumeVerdict && failing.length === 0 && missingClass.length === 0 && stuckExternal.length === 0) {
      if (pending.length > 0 && waitFFC.length > 0) {
        const blocker = pic.pending.length > 0 && pic.assessment ? describeClauses(pic.assessment.decisive) : null;
        return {
          kind: 'ruled-out',
          reason: `PVC ${pending.map(objName).join(', ')} is Pending with WaitForFirstConsumer, which is normal until its pod is scheduled${blocker ? ` (the pod is blocked by ${blocker}, not by the volume)` : ''}.`,
        };
      }
      return null;
    }

    const signals: Evidence[] = [];
    const ns = scope.namespace;
    if (pending.length > 0) {
      const first = pending[0];
      signals.push(
        statusSignal(
          ref(ns, 'PersistentVolumeClaim', objName(first ?? {})),
          first?.metadata?.creationTimestamp ?? null,
          `PVC ${pending.map(objName).join(', ')} ${pending.length > 1 ? 'are' : 'is'} Pending (storageClassName ${pending.map((p) => p.spec?.storageClassName ?? '<none>').join(', ')}, no volume bound).`,
        ),
      );
    }
    const pvcEv = latestOf(byMessage(failing.length > 0 ? failing : stuckExternal), (e) => e.last);
    if (pvcEv)
      signals.push(
        eventSignal(pvcEv, `${pvcEv.reason}${times(pvcEv)} on PVC ${pvcEv.object}: ${quote(pvcEv.message)}`),
      );
    if (missingClass.length > 0) {
      const cls = missingClass[0]?.cls ?? '';
      const existing = facts.storageClasses.filter((s) => s.exists).map((s) => s.name);
      signals.push(
        statusSignal(
          ref('default', 'StorageClass', cls),
          null,
          `StorageClass ${cls} does not exist${existing.length > 0 ? ` (existing: ${existing.join(', ')})` : ''}.`,
        ),
      );
    }
    if (volumeVerdict) {
      const s = schedulingSignal(pic, scope);
      if (s) signals.push(s);
    }

    // Zonal conflict: bound PV pinned to zones where no Ready, schedulable node exists.
    let zonal: { pv: string; zones: string[]; nodeZones: string[] } | null = null;
    for (const pvc of pic.pending.length > 0 ? claims.filter((p) => p.status?.phase === 'Bound') : []) {
      const pv = facts.pvs.find((v) => objName(v) === pvc.spec?.volumeName || v.spec?.claimRef?.name === objName(pvc));
      if (!pv) continue;
      const zones = pvZones(pv);
      if (zones.length === 0) continue;
      const usable = facts.nodes.filter((n) => n.exists && !isNotReady(n) && !isCordoned(n));
      const nodeZones = [...new Set(usable.map(zoneOf).filter((z): z is string => z !== null))];
      if (usable.length > 0 && !usable.some((n) => zones.includes(zoneOf(n) ?? ''))) {
        zonal = { pv: objName(pv), zones, nodeZones };
        signals.push(
          statusSignal(
            ref('default', 'PersistentVolume', objName(pv)),
            null,
            `PV ${objName(pv)} (claim ${objName(pvc)}) is pinned to zone ${zones.join('/')}; no Ready schedulable node there (nodes in ${nodeZones.join(', ') || 'unknown zones'}).`,
          ),
        );
        break;
      }
    }

    const clauses = volumeVerdict && pic.assessment ? describeClauses(pic.assessment.decisive) : null;
    const loss = nodeLoss(facts, scope, pic.firstSeen);
    const existing = facts.storageClasses.filter((s) => s.exists).map((s) => s.name);
    let summary: string;
    let advice: string;
    const pvcName = objName(pending[0] ?? claims[0] ?? {}) || 'the claim';
    const stsNote =
      facts.target.workload?.kind === 'StatefulSet'
        ? ` For a StatefulSet fix volumeClaimTemplates (immutable: kubectl -n ${ns} delete statefulset ${facts.target.workload.metadata?.name} --cascade=orphan, re-apply, then delete the Pending PVC).`
        : '';
    if (missingClass.length > 0) {
      const cls = missingClass[0]?.cls ?? '';
      summary = `PVC ${objName(missingClass[0]?.pvc ?? {})} is Pending: StorageClass ${cls} does not exist, so no volume is provisioned and the pod cannot be scheduled.`;
      advice = `Use an existing StorageClass${existing.length > 0 ? ` (${existing.join(', ')})` : ''}: the PVC spec is immutable, so recreate it (kubectl -n ${ns} get pvc ${objName(missingClass[0]?.pvc ?? {})} -o yaml > pvc.yaml; edit storageClassName; kubectl -n ${ns} delete pvc ${objName(missingClass[0]?.pvc ?? {})}; kubectl apply -f pvc.yaml).${stsNote}`;
    } else if (zonal) {
      summary = `Volume ${zonal.pv} lives in zone ${zonal.zones.join('/')} but no schedulable node is in that zone${clauses ? ` (${clauses})` : ''}.`;
      advice = `Let the node group / NodePool launch nodes in ${zonal.zones.join('/')} (kubectl get nodes -L topology.kubernetes.io/zone), or snapshot and restore the volume into a zone with capacity; use volumeBindingMode: WaitForFirstConsumer on the StorageClass.`;
    } else if (failing.length > 0) {
      summary = `PVC ${pvcName} is Pending: ${quote(failing[0]?.message ?? '', 160)}`;
      advice = `Fix the provisioning of ${pvcName}: kubectl -n ${ns} describe pvc ${pvcName}; check the StorageClass and the CSI controller logs (kubectl -n kube-system logs deploy/<csi-controller>), or set a storageClassName / create a matching PV.${stsNote}`;
    } else if (stuckExternal.length > 0) {
      summary = `PVC ${pvcName} has waited on its external provisioner since ${clock(stuckExternal[0]?.first ?? null)}: the provisioner is not acting.`;
      advice = `Check that the CSI controller named in the event is running (kubectl -n kube-system get pods | grep csi; its IAM/credentials), then kubectl -n ${ns} describe pvc ${pvcName}.`;
    } else {
      summary = `The pod cannot be scheduled because of its volume: ${clauses ?? 'volume binding failed'}.`;
      advice = `kubectl -n ${ns} describe pvc; check the claim exists, is bound, and that its PV's node affinity matches a schedulable node.`;
    }
    return {
      kind: 'match',
      summary,
      signals,
      trigger: zonal && loss ? `${loss.text} (the last node in the volume's zone)` : null,
      fix: null,
      advice,
      explains: rolloutExplains(facts),
    };
  },
};
