/**
 * FM-31: an expired or untrusted certificate: an admission webhook's serving cert (every pod create
 * fails: `FailedCreate … failed calling webhook … x509: certificate has expired`), a registry's TLS
 * (image pulls fail with x509) or the app's own TLS client (x509 in its logs).
 * Keys on the x509 text in the target's owner/pod events, the replica shortfall it causes, and x509
 * lines in the target's logs. An x509 FailedCreate followed by SuccessfulCreate with all replicas
 * present is ruled out.
 */
import type { CauseId } from '../../domain/causes.js';
import type { Ev } from '../../domain/facts.js';
import type { Evidence } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  eventSignal,
  latestOf,
  ms,
  ownerEvents,
  podEvents,
  quote,
  ref,
  replicaShortfall,
  rolloutExplains,
  statusSignal,
  times,
} from './common.js';

const X509 =
  /x509: (?:certificate has expired or is not yet valid|certificate signed by unknown authority|certificate is valid for|certificate is not valid for any names|certificate relies on legacy Common Name)|tls: failed to verify certificate|certificate verify failed|CERTIFICATE_VERIFY_FAILED|certificate has expired|PKIX path (?:building|validation) failed|unable to get local issuer certificate/i;

function detail(message: string): string {
  const expired = /current time (\S+) is after (\S+?)(?:[",]|$)/.exec(message);
  if (expired) return `expired at ${expired[2]}`;
  if (/unknown authority|unable to get local issuer|PKIX/i.test(message)) return 'signed by an unknown authority';
  if (/is valid for|not valid for any names|Common Name/i.test(message)) return 'issued for another name';
  if (/expired/i.test(message)) return 'expired';
  return 'not trusted';
}

export const certificateInvalid: Rule = {
  id: 'certificate-invalid',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const ns = scope.namespace;
    const createFails = ownerEvents(facts, scope, ['FailedCreate']).filter((e) => X509.test(e.message));
    const pullFails = podEvents(facts, scope, ['Failed', 'ErrImagePull', 'FailedCreatePodSandBox']).filter((e) =>
      X509.test(e.message),
    );
    const logHits = facts.logs
      .filter((l) => scope.isPod(l.pod, l.namespace))
      .flatMap((l) => l.lines.filter((line) => X509.test(line)).map((line) => ({ log: l, line })));
    if (createFails.length === 0 && pullFails.length === 0 && logHits.length === 0) return null;

    const shortfall = replicaShortfall(facts, scope);
    const lastCreate = latestOf(createFails, (e) => e.last);
    if (lastCreate && pullFails.length === 0 && logHits.length === 0) {
      const created = ownerEvents(facts, scope, ['SuccessfulCreate']).filter((e) => ms(e.last) > ms(lastCreate.last));
      if (created.length > 0 && !shortfall) {
        return {
          kind: 'ruled-out',
          reason: `the certificate error on ${lastCreate.kind} ${lastCreate.object} at ${clock(lastCreate.last)} is over: SuccessfulCreate at ${clock(latestOf(created, (e) => e.last)?.last)} and all replicas exist.`,
        };
      }
    }

    const signals: Evidence[] = [];
    const explains: CauseId[] = [];
    let summary: string;
    let advice: string;
    if (lastCreate) {
      const webhook = /failed calling webhook "([^"]+)"/.exec(lastCreate.message)?.[1] ?? null;
      const url = /(?:Post|Get|Put) "https?:\/\/([^/:"]+)/.exec(lastCreate.message)?.[1] ?? null;
      const [svc, svcNs] = url ? url.split('.') : [];
      signals.push(
        eventSignal(
          lastCreate,
          `FailedCreate on ${lastCreate.kind} ${lastCreate.object}${times(lastCreate)}: ${quote(lastCreate.message, 400)}`,
        ),
      );
      if (shortfall) signals.push(shortfall);
      // The pods that exist were all created before the certificate expired; none since.
      const notAfter = /current time \S+ is after (\S+?)(?:[",]|$)/.exec(lastCreate.message)?.[1] ?? null;
      const newest = latestOf(scope.pods, (p) => p.metadata?.creationTimestamp);
      const born = newest?.metadata?.creationTimestamp;
      if (notAfter && newest && born && ms(born) < ms(notAfter)) {
        signals.push(
          statusSignal(
            ref(ns, 'Pod', newest.metadata?.name ?? ''),
            born,
            `The newest pod ${newest.metadata?.name} was created at ${born}, before the certificate expired (${notAfter}); no pod has been created since.`,
          ),
        );
      }
      explains.push('admission-rejected', ...rolloutExplains(facts));
      summary = `Pod creation is rejected because admission webhook ${webhook ?? '(unnamed)'}${svc ? ` (service ${svcNs}/${svc})` : ''} serves a certificate that is ${detail(lastCreate.message)}.`;
      advice = `Renew the webhook's serving certificate and CA bundle: kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations | grep ${webhook?.split('.')[0] ?? '<webhook>'}; ${svcNs ? `kubectl -n ${svcNs} get certificate,secret; kubectl -n ${svcNs} rollout restart deploy/${svc} after renewal` : 'check cert-manager Certificates/Issuers'}. Set failurePolicy: Ignore only if skipping the webhook is safe.`;
    } else if (pullFails.length > 0) {
      const last = latestOf(pullFails, (e) => e.last) as Ev;
      const image = /image "([^"]+)"/.exec(last.message)?.[1] ?? null;
      signals.push(
        eventSignal(last, `${last.reason} on pod ${last.object}${times(last)}: ${quote(last.message, 400)}`),
      );
      const waiting = scope.pods.filter((p) =>
        (p.status?.containerStatuses ?? []).some((c) =>
          /ErrImagePull|ImagePullBackOff/.test(c.state?.waiting?.reason ?? ''),
        ),
      );
      if (waiting.length > 0) {
        signals.push({
          kind: 'status',
          ref: ref(ns, 'Pod', waiting[0]?.metadata?.name ?? ''),
          time: null,
          text: `${waiting.length} pod(s) waiting in ErrImagePull/ImagePullBackOff.`,
        });
      }
      explains.push('image-pull-auth', 'image-not-found');
      summary = `Image pulls${image ? ` of ${image}` : ''} fail: the registry's TLS certificate is ${detail(last.message)}.`;
      advice = `Fix the registry certificate (renew it, or install its CA on the nodes' container runtime trust store, e.g. /etc/containerd/certs.d/<registry>/ca.crt); check with openssl s_client -connect <registry>:443.`;
    } else {
      summary = '';
      advice = '';
    }
    if (logHits.length > 0) {
      const hit = logHits[logHits.length - 1];
      if (hit) {
        signals.push({
          kind: 'log',
          ref: ref(hit.log.namespace, 'Pod', hit.log.pod),
          time: /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(hit.line)?.[1] ?? null,
          text: `${hit.log.container}${hit.log.previous ? ' (previous)' : ''}: ${quote(hit.line, 300)}`,
        });
        if (!summary) {
          explains.push('app-crash', 'readiness-probe-failing');
          summary = `The application's TLS connections fail: a certificate it relies on is ${detail(hit.line)} (${quote(hit.line, 120)}).`;
          advice = `Renew the expired/untrusted certificate of the server the app calls (or the app's own client cert / CA bundle Secret), then restart: kubectl -n ${ns} rollout restart ${scope.workload ? `${scope.workload.kind.toLowerCase()}/${scope.workload.name}` : '<workload>'}.`;
        }
      }
    }
    return { kind: 'match', summary, signals, trigger: null, fix: null, advice, explains };
  },
};
