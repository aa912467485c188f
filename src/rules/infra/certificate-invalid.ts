/**
 * FM-31: an expired or untrusted certificate: an admission webhook's serving cert (every pod create
 * fails: `FailedCreate … failed calling webhook … x509: certificate has expired`), a registry's TLS
 * (image pulls fail with x509) or the app's own TLS client (x509 in its logs).
 * Keys on the x509 text in the target's owner/pod events, the replica shortfall it causes, and x509
 * lines in the target's logs. An x509 FailedCreate followed by SuccessfulCreate with all replicas
 * present is ruled out.
 * App TLS client (no event): the x509/TLS lines in the target's logs count once however many
 * replicas print them; the certificate's expiry lining up with the first failure and the
 * containers exiting right after their TLS failures (the crash is a consequence) corroborate.
 */
import { isFailedRun } from '../../analysis/containers.js';
import type { Derived } from '../../analysis/derive.js';
import { human, parseLogTime } from '../../analysis/time.js';
import type { CauseId } from '../../domain/causes.js';
import type { Ev, LogFacts } from '../../domain/facts.js';
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
  type Scope,
  statusSignal,
  times,
} from './common.js';

/**
 * Certificate verification failures as the common TLS stacks print them: Go (`x509: …`,
 * `tls: failed to verify certificate`), OpenSSL/Python/curl (`certificate verify failed`,
 * `SSL certificate problem`, `unable to get local issuer certificate`, `self-signed certificate`),
 * Java (`PKIX path building failed`, `CertificateExpiredException`, `No subject alternative names`),
 * Node.js (`CERT_HAS_EXPIRED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`),
 * rustls (`invalid peer certificate: Expired`).
 */
const X509 =
  /x509: (?:certificate has expired or is not yet valid|certificate signed by unknown authority|certificate is valid for|certificate is not valid for any names|certificate relies on legacy Common Name|cannot validate certificate for)|tls: failed to verify certificate|certificate verify failed|CERTIFICATE_VERIFY_FAILED|certificate has expired|SSL certificate problem|PKIX path (?:building|validation) failed|unable to get local issuer certificate|unable to verify the first certificate|self[- ]signed certificate in certificate chain|Certificate(?:Expired|NotYetValid)Exception|No subject alternative (?:DNS )?names? matching|\b(?:CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_ALTNAME_INVALID)\b|invalid peer certificate: (?:Expired|UnknownIssuer|NotValidForName|BadSignature)/i;

/** Go's expiry wording: `current time <now> is after <notAfter>` (or `is before <notBefore>`). */
const GO_EXPIRY = /current time (\S+) is (after|before) (\S+?)(?:[",;)]|\s|$)/;
/** Java/OpenSSL wording: `NotAfter: Tue Jun 03 09:00:00 UTC 2026`, `notAfter=Jun  3 09:00:00 2026 GMT`. */
const NOT_AFTER = /notAfter[:=]\s*([A-Za-z0-9 :,+-]+?(?:UTC|GMT|Z)(?: \d{4})?)(?:[",;)]|$)/i;

/** The certificate error itself, without the log prefix before it. */
function excerpt(line: string, max: number): string {
  const at = X509.exec(line)?.index ?? 0;
  return quote(line.slice(at), max);
}

function detail(message: string): string {
  const go = GO_EXPIRY.exec(message);
  if (go?.[2] === 'after') return `expired at ${go[3]}`;
  if (go?.[2] === 'before') return `not yet valid (valid from ${go[3]})`;
  if (
    /unknown authority|unable to get local issuer|unable to verify|PKIX|self[- ]signed|SELF_SIGNED|UnknownIssuer/i.test(
      message,
    )
  )
    return 'signed by an unknown authority';
  if (
    /is valid for|not valid for any names|Common Name|cannot validate certificate for|subject alternative|ALTNAME|NotValidForName/i.test(
      message,
    )
  )
    return 'issued for another name';
  if (/expired/i.test(message)) return 'expired';
  if (/not yet valid|NotYetValid|NOT_YET_VALID/i.test(message)) return 'not yet valid';
  return 'not trusted';
}

/** The certificate's notAfter as RFC 3339, when the error states it. */
function notAfterOf(line: string): string | null {
  const go = GO_EXPIRY.exec(line);
  if (go) return go[2] === 'after' && !Number.isNaN(ms(go[3])) ? (go[3] ?? null) : null;
  const raw = NOT_AFTER.exec(line)?.[1];
  const t = raw ? Date.parse(raw.replace(/\s+/g, ' ')) : Number.NaN;
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** The server the app was talking to, from a URL, `dial tcp host:port` or `connecting to host`. */
function peerOf(line: string): { host: string; port: string | null } | null {
  const m =
    /\b(?:https|wss|grpcs|amqps|rediss|postgres(?:ql)?|mysql|mongodb(?:\+srv)?|ldaps|kafka|nats|tls):\/\/(?:[^@/\s"']*@)?([A-Za-z0-9.-]+)(?::(\d+))?/i.exec(
      line,
    ) ??
    /\b(?:dial tcp|connect(?:ing)? to|handshake with|host[=:]?)\s*["']?([A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)+|[A-Za-z][A-Za-z0-9-]*(?=:\d))(?::(\d+))?/i.exec(
      line,
    );
  return m?.[1] ? { host: m[1], port: m[2] ?? null } : null;
}

/** `svc.ns.svc.cluster.local` / `svc.ns.svc` → the in-cluster Service (`api.example` may be a public name: no). */
function clusterService(host: string): { name: string; namespace: string } | null {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.[a-z0-9.-]+)?$/.exec(host);
  return m?.[1] && m[2] ? { name: m[1], namespace: m[2] } : null;
}

interface Hit {
  log: LogFacts;
  line: string;
  index: number;
}

const TAIL_LINES = 5;
const TAIL_MS = 60_000;
/** How long after a certificate's expiry a first failure still lines up with it (cached sessions, retries, staleness budgets). */
const EXPIRY_LAG_MS = 6 * 3600_000;

/**
 * Containers whose failed run ended right after TLS certificate errors: the previous run's log has
 * an x509 line among its last lines (or within a minute of its end). The exit is the consequence.
 */
function exitsAfterTls(d: Derived, hits: readonly Hit[]) {
  const out: {
    pod: string;
    container: string;
    exitCode: number | null;
    finishedAt: string | null;
    restarts: number;
    after: string;
  }[] = [];
  for (const c of d.containers) {
    if (c.init || c.restarts === 0) continue;
    const run = c.last;
    if (!run || !isFailedRun(run) || run.reason === 'OOMKilled' || run.exitCode === 137 || run.exitCode === 143)
      continue;
    const mine = hits.filter((h) => h.log.pod === c.pod && h.log.container === c.name && h.log.previous);
    const lastHit = mine[mine.length - 1];
    if (!lastHit) continue;
    const lines = lastHit.log.lines;
    const endLine = lines[lines.length - 1] ?? '';
    const tHit = parseLogTime(lastHit.line);
    const tEnd = parseLogTime(endLine) ?? ms(run.finishedAt);
    const nearEnd =
      lines.length - 1 - lastHit.index < TAIL_LINES ||
      (tHit !== null && tEnd !== null && !Number.isNaN(tEnd) && tEnd - tHit >= 0 && tEnd - tHit <= TAIL_MS);
    if (!nearEnd) continue;
    const gap = tHit !== null && tEnd !== null && !Number.isNaN(tEnd) && tEnd >= tHit ? human(tEnd - tHit) : null;
    out.push({
      pod: c.pod,
      container: c.name,
      exitCode: run.exitCode ?? null,
      finishedAt: run.finishedAt ?? null,
      restarts: c.restarts,
      after:
        lastHit.index === lines.length - 1
          ? 'ends with the TLS error'
          : `ends ${gap ? `${gap} ` : ''}after the last TLS error with "${quote(endLine, 100)}"`,
    });
  }
  return out;
}

function logSignals(
  scope: Scope,
  d: Derived,
  hits: readonly Hit[],
): { signals: Evidence[]; timeline: { time: string; text: string; ref: string }[]; exits: boolean } {
  const signals: Evidence[] = [];
  const timeline: { time: string; text: string; ref: string }[] = [];
  const ns = scope.namespace;
  // (1) The TLS errors themselves: one observation however many replicas print them.
  const hit = hits[hits.length - 1] as Hit;
  const pods = [...new Set(hits.map((h) => h.log.pod))];
  const total = Math.max(scope.pods.length, pods.length);
  const where = `${hit.log.container}${hit.log.previous ? ' (previous)' : ''}: ${quote(hit.line, 300)}`;
  signals.push({
    kind: 'log',
    ref: ref(hit.log.namespace, 'Pod', hit.log.pod),
    time: /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(hit.line)?.[1] ?? null,
    text:
      hits.length > 1
        ? `TLS certificate errors in ${hits.length} log lines of ${pods.length}/${total} pod(s); latest ${where}`
        : where,
  });
  // (2) The expiry lines up with the first failure: nothing failed before the certificate ran out.
  const notAfter =
    [...hits]
      .reverse()
      .map((h) => notAfterOf(h.line))
      .find((x) => x !== null) ?? null;
  const ff = ms(d.firstFailure);
  const exp = ms(notAfter);
  if (notAfter && !Number.isNaN(ff) && !Number.isNaN(exp) && ff >= exp - 60_000 && ff - exp <= EXPIRY_LAG_MS) {
    const since = d.since <= exp ? ' and nothing failed before it in the window' : '';
    signals.push(
      statusSignal(
        d.firstFailureSign?.ref ?? ref(ns, 'Pod', hit.log.pod),
        d.firstFailure,
        `The certificate expired at ${clock(notAfter)} (notAfter in the x509 error); the first failure followed ${human(Math.max(0, ff - exp))} later at ${clock(d.firstFailure)}${since}`,
      ),
    );
    timeline.push({
      time: notAfter,
      text: `certificate expired (notAfter ${notAfter})`,
      ref: ref(hit.log.namespace, 'Pod', hit.log.pod),
    });
  }
  // (3) The crash is a consequence: the failed runs end right after their TLS errors.
  const exits = exitsAfterTls(d, hits);
  const e0 = exits[0];
  if (e0) {
    const codes = [...new Set(exits.map((e) => e.exitCode).filter((x) => x !== null))];
    const restarts = exits.reduce((n, e) => n + e.restarts, 0);
    const crashed = new Set(
      d.containers.filter((c) => !c.init && c.restarts > 0 && isFailedRun(c.last)).map((c) => c.pod),
    );
    signals.push(
      statusSignal(
        ref(ns, 'Pod', e0.pod),
        latestOf(exits, (e) => e.finishedAt)?.finishedAt ?? null,
        `${exits.length}/${Math.max(crashed.size, exits.length)} crashing pod(s) exit${codes.length > 0 ? ` with code ${codes.join('/')}` : ''} right after their TLS errors (${restarts} restarts): ${e0.pod}/${e0.container} previous run ${e0.after}`,
      ),
    );
  }
  return { signals, timeline, exits: e0 !== undefined };
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
    const logHits: Hit[] = facts.logs
      .filter((l) => scope.isPod(l.pod, l.namespace))
      .flatMap((l) => l.lines.flatMap((line, index) => (X509.test(line) ? [{ log: l, line, index }] : [])));
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
    const timeline: { time: string; text: string; ref: string }[] = [];
    const hit = logHits[logHits.length - 1];
    if (hit && summary) {
      // An event already names the failing TLS peer: the log lines corroborate it once.
      signals.push({
        kind: 'log',
        ref: ref(hit.log.namespace, 'Pod', hit.log.pod),
        time: /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(hit.line)?.[1] ?? null,
        text: `${hit.log.container}${hit.log.previous ? ' (previous)' : ''}: ${quote(hit.line, 300)}`,
      });
    } else if (hit) {
      const own = logSignals(scope, derived, logHits);
      signals.push(...own.signals);
      timeline.push(...own.timeline);
      explains.push('app-crash', 'readiness-probe-failing');
      const peer =
        [...logHits]
          .reverse()
          .map((h) => peerOf(h.line))
          .find((p) => p !== null) ?? null;
      const svc = peer ? clusterService(peer.host) : null;
      const target = scope.workload ? `${scope.workload.kind.toLowerCase()}/${scope.workload.name}` : '<workload>';
      const hostPort = peer ? `${peer.host}:${peer.port ?? '443'}` : null;
      const what = detail(hit.line);
      summary = `The application's TLS connections${peer ? ` to ${peer.host}` : ''} fail: ${peer ? 'its certificate' : 'a certificate it relies on'} ${what.startsWith('expired at') ? what : `is ${what}`}${own.exits ? '; the container exits right after the TLS errors' : ''} ("${excerpt(hit.line, 160)}").`;
      const check = hostPort
        ? ` Check it: openssl s_client -connect ${hostPort} -servername ${peer?.host} </dev/null | openssl x509 -noout -dates -issuer -subject.`
        : '';
      const server = svc
        ? `Renew the certificate served by ${peer?.host} (Service ${svc.namespace}/${svc.name}: kubectl -n ${svc.namespace} get certificate,secret; restart its pods if they do not reload it)`
        : `Renew the expired/untrusted certificate of the server the app calls${peer ? ` (${peer.host})` : ''}`;
      advice = `${server}, or fix the app's own client certificate / CA bundle if the server is right.${check} Then end the back-off: kubectl -n ${ns} rollout restart ${target}.`;
    }
    return {
      kind: 'match',
      summary,
      signals,
      trigger: null,
      fix: null,
      advice,
      explains,
      ...(timeline.length > 0 ? { timeline } : {}),
    };
  },
};
