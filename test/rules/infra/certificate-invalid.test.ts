import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { certificateInvalid } from '../../../src/rules/infra/certificate-invalid.js';
import { deployment, ev, facts, match, pod, ruledOut, run, T } from './fixtures.js';

const RS = 'api-7c9d8f6b5d';
const WEBHOOK =
  'Error creating: Internal error occurred: failed calling webhook "validate.example.io": failed to call webhook: Post "https://example-webhook.example-system.svc:443/validate?timeout=10s": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2025-03-04T10:00:00Z is after 2025-03-03T09:59:59Z';

describe('certificate-invalid', () => {
  test('FM-31: expired admission webhook certificate blocks pod creation', () => {
    const f = facts(
      {
        events: [
          ev({
            kind: 'ReplicaSet',
            object: RS,
            reason: 'FailedCreate',
            source: 'replicaset-controller',
            count: 9,
            message: WEBHOOK,
          }),
        ],
      },
      deployment({ replicas: 3, status: { replicas: 1, readyReplicas: 1 } }),
    );
    const m = match(certificateInvalid, f);
    assert.equal(m.signals.length, 2);
    // With the surviving pod visible, its creation before the expiry corroborates.
    const older = pod('api-7c9d8f6b5d-x2k4q');
    (older.metadata ?? {}).creationTimestamp = '2025-03-01T08:00:00Z';
    const m3 = match(certificateInvalid, { ...f, pods: [older] });
    assert.equal(m3.signals.length, 3);
    assert.match(
      m3.signals[2]?.text ?? '',
      /created at 2025-03-01T08:00:00Z, before the certificate expired \(2025-03-03T09:59:59Z\)/,
    );
    assert.match(
      m.summary,
      /webhook validate.example.io \(service example-system\/example-webhook\) serves a certificate that is expired at 2025-03-03T09:59:59Z/,
    );
    assert.ok(m.explains.includes('admission-rejected'));
    assert.equal(m.fix, null);
    assert.match(m.advice, /kubectl -n example-system get certificate,secret/);
  });

  test('app TLS failure in the logs', () => {
    const f = facts({
      pods: [pod('api-7c9d8f6b5d-x2k4q')],
      logs: [
        {
          pod: 'api-7c9d8f6b5d-x2k4q',
          namespace: 'shop',
          container: 'api',
          previous: true,
          truncated: false,
          error: null,
          lines: ['2026-03-04T10:01:00Z ERROR dial tcp payments:443: x509: certificate signed by unknown authority'],
        },
      ],
    });
    const m = match(certificateInvalid, f);
    assert.equal(m.signals[0]?.kind, 'log');
    assert.match(m.summary, /signed by an unknown authority/);
  });

  test('red herring: the webhook error is over (SuccessfulCreate since, replicas complete)', () => {
    const f = facts({
      events: [
        ev({ kind: 'ReplicaSet', object: RS, reason: 'FailedCreate', message: WEBHOOK }),
        ev({
          kind: 'ReplicaSet',
          object: RS,
          reason: 'SuccessfulCreate',
          type: 'Normal',
          last: T('10:20:00'),
          message: 'Created pod: api-7c9d8f6b5d-x2k4q',
        }),
      ],
    });
    assert.match(ruledOut(certificateInvalid, f), /is over: SuccessfulCreate at 10:20:00Z/);
    assert.equal(run(certificateInvalid, facts()), null);
  });
});
