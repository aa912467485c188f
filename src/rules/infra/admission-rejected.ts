/**
 * FM-35: pod creation is rejected at admission: missing ServiceAccount, PodSecurity violation,
 * a webhook or ValidatingAdmissionPolicy denial, or an unreachable webhook.
 * Keys on `FailedCreate` of the target's ReplicaSet/StatefulSet/Job/DaemonSet (quota and certificate
 * failures belong to their own rules), Causa's lookup of the referenced ServiceAccount, and the
 * pods that were never created (status). A FailedCreate followed by SuccessfulCreate with all
 * replicas present is ruled out.
 */
import type { CauseId } from '../../domain/causes.js';
import type { Evidence } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  eventSignal,
  kubectlTarget,
  latestOf,
  ms,
  ownerEvents,
  quote,
  ref,
  replicaShortfall,
  rolloutExplains,
  statusSignal,
  times,
} from './common.js';
import { isQuotaMessage } from './quota-exceeded.js';

const SA =
  /error looking up service account ([\w.-]+)\/([\w.-]+): serviceaccount "([^"]+)" not found|serviceaccount "([^"]+)" not found/;
const PSA = /violates PodSecurity "([^"]+)": (.*)$/;
const DENIED = /admission webhook "([^"]+)" denied the request:?\s*(.*)$/;
const VAP = /ValidatingAdmissionPolicy '([^']+)'(?: with binding '[^']+')? denied request:?\s*(.*)$/;
const UNREACHABLE = /failed calling webhook "([^"]+)"/;
const X509 = /x509:|tls: failed to verify certificate/;
const FORBIDDEN =
  /is forbidden:|denied the request|failed calling webhook|unable to validate against any security context constraint/;

export const admissionRejected: Rule = {
  id: 'admission-rejected',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const ns = scope.namespace;
    const failed = ownerEvents(facts, scope, ['FailedCreate']).filter(
      (e) => FORBIDDEN.test(e.message) && !isQuotaMessage(e.message) && !X509.test(e.message),
    );
    const last = latestOf(failed, (e) => e.last);
    if (!last) {
      const quotaEv = latestOf(
        ownerEvents(facts, scope, ['FailedCreate']).filter((e) => isQuotaMessage(e.message)),
        (e) => e.last,
      );
      if (!quotaEv) return null;
      return {
        kind: 'ruled-out',
        reason: `FailedCreate on ${quotaEv.kind} ${quotaEv.object} is a ResourceQuota/LimitRange rejection, not an admission policy: ${quote(quotaEv.message.replace(/^.*?forbidden:\s*/, ''), 160)}.`,
      };
    }
    const shortfall = replicaShortfall(facts, scope);
    const created = ownerEvents(facts, scope, ['SuccessfulCreate']).filter(
      (e) => e.object === last.object && ms(e.last) > ms(last.last),
    );
    if (created.length > 0 && !shortfall) {
      return {
        kind: 'ruled-out',
        reason: `FailedCreate on ${last.kind} ${last.object} at ${clock(last.last)} was followed by SuccessfulCreate at ${clock(latestOf(created, (e) => e.last)?.last)}; all replicas exist now.`,
      };
    }

    const signals: Evidence[] = [
      eventSignal(last, `FailedCreate on ${last.kind} ${last.object}${times(last)}: ${quote(last.message, 400)}`),
    ];
    const target = kubectlTarget(scope.workload, `${last.kind.toLowerCase()}/${last.object}`);
    let summary: string;
    let advice: string;
    const sa = SA.exec(last.message);
    const psa = PSA.exec(last.message);
    const denied = DENIED.exec(last.message) ?? VAP.exec(last.message);
    const unreachable = UNREACHABLE.exec(last.message);
    if (sa) {
      const name = sa[3] ?? sa[4] ?? '';
      const refd = facts.references.find((r) => r.kind === 'ServiceAccount' && r.name === name);
      if (refd && !refd.exists) {
        signals.push(
          statusSignal(
            ref(ns, 'ServiceAccount', name),
            null,
            `ServiceAccount ${name} does not exist in ${ns} (looked up directly).`,
          ),
        );
      }
      summary = `${last.kind} ${last.object} cannot create pods: ServiceAccount ${name} does not exist.`;
      advice = `Create it (kubectl -n ${ns} create serviceaccount ${name}) or point serviceAccountName of ${target} at an existing one (kubectl -n ${ns} get serviceaccounts).`;
    } else if (psa) {
      summary = `${last.kind} ${last.object} cannot create pods: they violate PodSecurity "${psa[1]}" (${quote(psa[2] ?? '', 160)}).`;
      advice = `Make the pod spec of ${target} comply (set the securityContext fields listed: ${quote(psa[2] ?? '', 200)}), or, if justified, relax the namespace level (kubectl label ns ${ns} pod-security.kubernetes.io/enforce=baseline --overwrite).`;
    } else if (denied) {
      summary = `${last.kind} ${last.object} cannot create pods: admission ${denied[1]} denied them (${quote(denied[2] ?? '', 160)}).`;
      advice = `Change ${target} to satisfy the policy (${quote(denied[2] ?? '', 200)}) or ask the policy owner for an exception; kubectl get validatingwebhookconfigurations,validatingadmissionpolicies.`;
    } else if (unreachable) {
      summary = `${last.kind} ${last.object} cannot create pods: admission webhook ${unreachable[1]} is unreachable (${quote(last.message.replace(/^.*failed to call webhook:\s*/, ''), 140)}).`;
      advice = `Restore the webhook's backend (kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations -o wide; check its Service has endpoints and its pods run), or set failurePolicy: Ignore only if skipping it is safe.`;
    } else {
      summary = `${last.kind} ${last.object} cannot create pods: admission rejected them (${quote(last.message.replace(/^.*forbidden:\s*/, ''), 160)}).`;
      advice = `kubectl -n ${ns} describe ${last.kind.toLowerCase()} ${last.object}; adjust ${target} or the admission policy that rejects it.`;
    }
    if (shortfall) signals.push(shortfall);
    else {
      const w = facts.target.workload;
      if (
        w?.kind === 'Job' &&
        scope.pods.length === 0 &&
        !(w.status?.active || w.status?.succeeded || w.status?.failed)
      ) {
        signals.push(
          statusSignal(
            ref(ns, 'Job', w.metadata?.name ?? ''),
            null,
            `Job ${w.metadata?.name} has created no pods (active 0, succeeded 0, failed 0).`,
          ),
        );
      }
    }
    const explains: CauseId[] = [...rolloutExplains(facts), 'job-failed'];
    return { kind: 'match', summary, signals, trigger: null, fix: null, advice, explains };
  },
};
