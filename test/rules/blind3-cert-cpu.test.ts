/**
 * Blind batch 3 defects, in general form:
 * - an app whose TLS client fails certificate verification against a dependency and exits on
 *   purpose afterwards is certificate-invalid (the exit is a consequence), not app-crash;
 * - app-crash advises a roll back only when the last rollout could have introduced the crash;
 * - cpu-throttling inferred from the spec and indirect symptoms stays at most medium; only a
 *   measurement of throttling lifts it; no "x on x" summaries.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Facts } from '../../src/domain/facts.js';
import type { Container } from '../../src/domain/k8s.js';
import { conclude } from '../../src/engine/conclude.js';
import { appCrash } from '../../src/rules/app-crash.js';
import { cpuThrottling } from '../../src/rules/cpu-throttling.js';
import { certificateInvalid } from '../../src/rules/infra/certificate-invalid.js';
import { base, PODS, RS } from './base.js';
import { at, container, crashing, ev, log, match, run, template } from './fixtures.js';

const DEP = 'https://ledger.finance.svc.cluster.local:8443/v1/balances';
const goExpired = (t: string, notAfter = at('01:05')) =>
  `${t} WARN ledger: sync failed: Get "${DEP}": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time ${t} is after ${notAfter}`;

/** Crash-looping `app` on both pods; BackOff from 01:20; each previous run logs x509 errors, then exits. */
function tlsCrash(runLines: (i: number) => string[], rolloutAt?: string): Facts {
  const f = base({
    statuses: [crashing('app', { restarts: 7, started: at('01:54:50'), finished: at('01:55:02') })],
    ready: false,
    ...(rolloutAt ? { rolloutAt } : {}),
  });
  for (const p of PODS) {
    f.events.push(
      ev({
        object: p,
        container: 'app',
        reason: 'BackOff',
        message: `Back-off restarting failed container app in pod ${p}_production(uid)`,
        first: at('01:20'),
        last: at('01:56'),
        count: 30,
      }),
    );
  }
  PODS.forEach((p, i) => {
    f.logs.push(log(p, 'app', runLines(i), true));
  });
  return f;
}

const expiredThenFatal = () => [
  '2026-04-26T01:54:50Z INFO starting',
  goExpired('2026-04-26T01:54:51Z'),
  goExpired('2026-04-26T01:54:55Z'),
  goExpired('2026-04-26T01:54:59Z'),
  '2026-04-26T01:55:01Z FATAL ledger: no fresh balances after 3 attempts; refusing to run on stale data',
];

describe('certificate-invalid: the app TLS client', () => {
  test('x509 expiry in every replica, expiry lines up with the first failure, exit follows the errors → 3 signals', () => {
    const f = tlsCrash(expiredThenFatal);
    const m = match(certificateInvalid, f);
    assert.equal(m.signals.length, 3, m.signals.map((s) => s.text).join(' | '));
    assert.match(m.signals[0]?.text ?? '', /TLS certificate errors in 6 log lines of 2\/2 pod/);
    assert.match(m.signals[1]?.text ?? '', /expired at 01:05:00Z .*first failure followed 15 min later/);
    assert.match(m.signals[2]?.text ?? '', /2\/2 crashing pod\(s\) exit with code 1 right after their TLS errors/);
    assert.match(
      m.summary,
      /TLS connections to ledger\.finance\.svc\.cluster\.local fail: its certificate .*expired at/,
    );
    assert.match(m.summary, /exits right after the TLS errors/);
    assert.equal(m.fix, null);
    assert.ok(m.explains.includes('app-crash'));
    assert.match(m.advice, /kubectl -n finance get certificate,secret/);
    assert.match(m.advice, /openssl s_client -connect ledger\.finance\.svc\.cluster\.local:8443/);
    assert.doesNotMatch(m.advice, /rollout undo/);
    assert.ok(m.timeline?.some((t) => t.time === at('01:05') && /certificate expired/.test(t.text)));
  });

  test('the engine puts certificate-invalid above app-crash and names app-crash a symptom', () => {
    const out = conclude(tlsCrash(expiredThenFatal));
    assert.equal(out.rootCause.id, 'certificate-invalid', out.rootCause.summary);
    assert.notEqual(out.rootCause.confidence, 'low');
    assert.equal(out.rootCause.fix, null);
    assert.ok(
      out.ruledOut.some((r) => r.id === 'app-crash' && /^symptom\/trigger of certificate-invalid/.test(r.reason)),
    );
  });

  test('a certificate that expired days before the first failure does not line up', () => {
    const f = tlsCrash(() => [
      '2026-04-26T01:54:50Z INFO starting',
      goExpired('2026-04-26T01:54:59Z', at('01:05', '2026-04-20')),
      '2026-04-26T01:55:01Z FATAL ledger: giving up',
    ]);
    const m = match(certificateInvalid, f);
    assert.equal(m.signals.length, 2, m.signals.map((s) => s.text).join(' | '));
    assert.ok(!m.signals.some((s) => /first failure followed/.test(s.text)));
  });

  test('red herring: x509 noise early in the run, the exit comes much later for another reason → app-crash', () => {
    const noise = () => [
      '2026-04-26T01:50:00Z INFO starting',
      '2026-04-26T01:50:01Z WARN otel: export failed: Post "https://collector.example.com:4318/v1/traces": x509: certificate signed by unknown authority',
      ...Array.from({ length: 8 }, (_, k) => `2026-04-26T01:5${1 + (k >> 1)}:0${k % 2}Z INFO handled batch ${k}`),
      '2026-04-26T01:55:01Z FATAL config: DATABASE_URL is not set',
    ];
    const f = tlsCrash(noise);
    const m = match(certificateInvalid, f);
    assert.equal(m.signals.length, 1, m.signals.map((s) => s.text).join(' | '));
    assert.equal(conclude(f).rootCause.id, 'app-crash');
  });

  test('OOMKilled runs are no exit caused by the TLS errors', () => {
    const f = tlsCrash(expiredThenFatal);
    for (const p of f.pods) {
      const s = p.status?.containerStatuses?.[0];
      if (s?.lastState?.terminated) Object.assign(s.lastState.terminated, { reason: 'OOMKilled', exitCode: 137 });
    }
    const m = match(certificateInvalid, f);
    assert.ok(!m.signals.some((s) => /right after their TLS errors/.test(s.text)));
  });

  const STACKS: [string, RegExp][] = [
    [
      'javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target',
      /unknown authority/,
    ],
    [
      "requests.exceptions.SSLError: HTTPSConnectionPool(host='ledger.finance.svc', port=8443): Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))",
      /expired/,
    ],
    [
      'Error: certificate has expired\n    at TLSSocket.onConnectSecure (node:_tls_wrap:1674:34) { code: CERT_HAS_EXPIRED }',
      /expired/,
    ],
    ['Error: self-signed certificate in certificate chain { code: SELF_SIGNED_CERT_IN_CHAIN }', /unknown authority/],
    ['curl: (60) SSL certificate problem: unable to get local issuer certificate', /unknown authority/],
    ["Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames", /another name/],
    ['error sending request: invalid peer certificate: Expired', /expired/],
    ['java.security.cert.CertificateExpiredException: NotAfter: Sun Apr 26 01:05:00 UTC 2026', /expired/],
  ];
  for (const [line, detail] of STACKS) {
    test(`recognises ${line.slice(0, 60)}…`, () => {
      const f = base();
      f.logs.push(log(PODS[0] ?? '', 'app', [`2026-04-26T01:40:00Z ERROR ${line}`]));
      const m = match(certificateInvalid, f);
      assert.match(m.summary, detail);
    });
  }

  test('the peer is named only when the error names a host', () => {
    const f = base();
    f.logs.push(
      log(PODS[0] ?? '', 'app', [
        "2026-04-26T01:40:00Z ERROR HTTPSConnectionPool(host='ledger.finance.svc', port=8443): [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
      ]),
    );
    const m = match(certificateInvalid, f);
    assert.match(
      m.summary,
      /TLS connections to ledger\.finance\.svc fail: its certificate is signed by an unknown authority/,
    );
    assert.match(m.advice, /kubectl -n finance get certificate,secret/);
    const g = base();
    g.logs.push(
      log(PODS[0] ?? '', 'app', [
        '2026-04-26T01:40:00Z ERROR could not connect to the database: certificate verify failed',
      ]),
    );
    assert.match(
      match(certificateInvalid, g).summary,
      /^The application's TLS connections fail: a certificate it relies on is/,
    );
  });

  test('unrelated TLS words are not certificate errors', () => {
    const f = base();
    f.logs.push(
      log(PODS[0] ?? '', 'app', [
        '2026-04-26T01:40:00Z INFO certificate renewed for payouts-api-tls',
        '2026-04-26T01:41:00Z INFO http: TLS handshake error from 10.0.0.7:40112: EOF',
      ]),
    );
    assert.equal(run(certificateInvalid, f), null);
  });
});

describe('app-crash advice', () => {
  const crashLog = () => ['2026-04-26T01:55:01Z FATAL cannot parse feature flags: unexpected token'];

  test('no rollout near the failure → no roll-back advice, says why', () => {
    const f = tlsCrash(crashLog);
    const m = match(appCrash, f);
    assert.doesNotMatch(m.advice, /rollout undo/);
    assert.match(
      m.advice,
      /last rollout \(revision 3\) was \d+h before the first failure: rolling back is unlikely to help/,
    );
  });

  test('a rollout just before the failure → roll-back advice', () => {
    const f = tlsCrash(crashLog, at('01:15'));
    const m = match(appCrash, f);
    assert.match(
      m.advice,
      /If the last rollout \(revision 3, 5 min before the first failure\) introduced the crash, roll back: kubectl -n production rollout undo deploy\/web/,
    );
  });

  test('container named like its workload is not repeated', () => {
    const web = container('web');
    const f = base({ containers: [web], statuses: [crashing('web')], ready: false });
    const m = match(appCrash, f);
    assert.match(m.summary, /^web crashes on its own/);
    const g = tlsCrash(crashLog);
    assert.match(match(appCrash, g).summary, /^app on web crashes on its own/);
  });
});

describe('cpu-throttling without a throttling measurement', () => {
  const limited = (name: string, cpu = '500m'): Container =>
    container(name, {
      resources: { requests: { cpu }, limits: { cpu } },
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, timeoutSeconds: 1 },
      readinessProbe: { httpGet: { path: '/ready', port: 8080 }, timeoutSeconds: 1 },
    });

  function slowPods(c: Container, logLines: string[], o: Parameters<typeof base>[0] = {}): Facts {
    const f = base({ containers: [c], ...o });
    for (const p of PODS) {
      for (const kind of ['Readiness', 'Liveness']) {
        f.events.push(
          ev({
            object: p,
            container: c.name,
            reason: 'Unhealthy',
            message: `${kind} probe failed: Get "http://10.0.0.10:8080/x": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
            count: 20,
            first: at('01:30'),
            last: at('01:55'),
          }),
        );
      }
      f.logs.push(log(p, c.name, logLines));
    }
    return f;
  }

  const SYMPTOMS = [
    '2026-04-26T01:31:00Z [gc] GC(9) Pause Young (Normal) (G1 Evacuation Pause) 388M->121M(552M) 946.118ms GC pause',
    '2026-04-26T01:32:00Z WARN HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta=48s)',
    '2026-04-26T01:33:00Z WARN slow request POST /v2/quotes total=2874ms',
  ];

  test('spec + several kinds of indirect log symptoms + probe timeouts → 2 signals (medium at most)', () => {
    const f = slowPods(limited('app'), SYMPTOMS);
    const m = match(cpuThrottling, f);
    assert.equal(m.signals.length, 2, m.signals.map((s) => s.text).join(' | '));
    assert.match(m.signals[0]?.text ?? '', /probe timeouts on 2\/2 pods .*the logs show stalls \(6 lines/);
    assert.match(m.summary, /^app on web is likely CPU-throttled at its 500m limit/);
    assert.match(m.summary, /inferred/);
    const out = conclude(f);
    assert.equal(out.rootCause.id, 'cpu-throttling');
    assert.notEqual(out.rootCause.confidence, 'high');
  });

  test('container named like its workload is not repeated in the summary', () => {
    const m = match(cpuThrottling, slowPods(limited('web'), SYMPTOMS));
    assert.match(m.summary, /^web is likely CPU-throttled/);
    assert.doesNotMatch(m.summary, /web on web/);
  });

  test('a log line that measures throttling is a third, direct signal', () => {
    const f = slowPods(limited('app'), [
      ...SYMPTOMS,
      '2026-04-26T01:34:00Z WARN runtime: cgroup cpu.stat nr_periods=6000 nr_throttled=5712 throttled_usec=91234000',
    ]);
    const m = match(cpuThrottling, f);
    assert.equal(m.signals.length, 3, m.signals.map((s) => s.text).join(' | '));
    assert.ok(m.signals.some((s) => s.kind === 'log' && /reports CPU throttling/.test(s.text)));
    assert.match(m.summary, /^app on web is CPU-throttled/);
  });

  test('HTTP rate-limit "throttled" lines are no CPU measurement', () => {
    const f = slowPods(limited('app'), ['2026-04-26T01:34:00Z WARN upstream throttled the request (429), retrying']);
    assert.equal(match(cpuThrottling, f).signals.length, 2);
  });

  test('a recent rollout that lowered the limit is the trigger but does not lift an inference to high', () => {
    const before = template([container('app', { resources: { requests: { cpu: '500m' }, limits: { cpu: '2' } } })]);
    const f = slowPods(limited('app'), SYMPTOMS, { rolloutAt: at('01:20'), previousTemplate: before });
    f.revisions = f.revisions.map((r) => (r.name === RS ? { ...r, createdAt: at('01:20') } : r));
    const m = match(cpuThrottling, f);
    assert.ok(m.trigger, 'the resources change is the trigger');
    assert.equal(m.signals.length, 2, m.signals.map((s) => s.text).join(' | '));
    assert.match(m.signals[1]?.text ?? '', /set by the rollout to revision 3/);
    assert.ok(m.timeline?.some((t) => /introduced it/.test(t.text)));
  });
});
