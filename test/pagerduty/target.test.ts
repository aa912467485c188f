import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../src/pagerduty/schemas.js';
import { firingLabelSets, resolveTarget, targetInTitle } from '../../src/pagerduty/target.js';

const ROUTE = { namespace: 'production', cluster: 'prod' };

/** An Events v2 alert as PagerDuty stores it: custom details in both `details` and `cef_details.details`. */
function eventsV2(custom: unknown, status = 'triggered'): Alert {
  return { status, body: { type: 'alert_body', details: custom, cef_details: { details: custom } } };
}

const FIRING_TEXT =
  'Labels:\n - alertname = KubePodCrashLooping\n - container = api\n - job = kube-state-metrics\n' +
  ' - namespace = payments\n - pod = api-7d9f-abcde\n - severity = warning\n' +
  'Annotations:\n - summary = Pod is crash looping\n - pod = not-this-one\n' +
  'Source: http://prometheus/graph?g0.expr=...\n';

const FIRING_ARRAY = [
  {
    status: 'firing',
    labels: {
      alertname: 'KubeDeploymentReplicasMismatch',
      namespace: 'payments',
      deployment: 'api',
      pod: 'api-7d9f-abcde',
      severity: 'warning',
    },
    annotations: { summary: 'Deployment has not matched the expected number of replicas' },
    startsAt: '2024-05-01T10:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph?...',
    fingerprint: 'a1b2c3',
  },
];

describe('resolveTarget', () => {
  it('reads flat labels from body.details (source details)', () => {
    const alerts = [eventsV2({ namespace: 'shop', deployment: 'payments-service', severity: 'critical' })];
    assert.deepEqual(resolveTarget(alerts, 'anything', ROUTE), {
      kind: 'Deployment',
      name: 'payments-service',
      namespace: 'shop',
      context: 'prod',
      source: 'details',
    });
  });

  it('covers every label kind, workloads before pods, pods before nodes and services', () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ namespace: 'a', statefulset: 'db', pod: 'db-0' }, 'StatefulSet', 'db'],
      [{ namespace: 'a', daemonset: 'agent', node: 'n1' }, 'DaemonSet', 'agent'],
      [{ namespace: 'a', job: 'migrate', pod: 'migrate-x' }, 'Job', 'migrate'],
      [{ namespace: 'a', job_name: 'migrate', job: 'kube-state-metrics', instance: '10.0.0.1:8080' }, 'Job', 'migrate'],
      [{ namespace: 'a', pod: 'web-1', service: 'web' }, 'Pod', 'web-1'],
      [{ namespace: 'a', node: 'ip-10-0-1-5', service: 'node-exporter' }, 'Node', 'ip-10-0-1-5'],
      [{ namespace: 'a', service: 'web' }, 'Service', 'web'],
      [{ Namespace: 'a', Deployment: 'web' }, 'Deployment', 'web'],
    ];
    for (const [labels, kind, name] of cases) {
      const t = resolveTarget([eventsV2(labels)], '', ROUTE);
      assert.equal(t?.kind, kind, JSON.stringify(labels));
      assert.equal(t?.name, name, JSON.stringify(labels));
    }
  });

  it('never takes the job label of Alertmanager alerts for a Kubernetes Job (job_name is the Job)', () => {
    const labels = { alertname: 'KubeJobFailed', job: 'kube-state-metrics', namespace: 'batch' };
    assert.equal(resolveTarget([eventsV2({ firing: [{ labels }] })], '', ROUTE), null);
    const withJobName = [{ labels: { ...labels, job_name: 'nightly-report' } }];
    const t = resolveTarget([eventsV2({ firing: withJobName })], '', ROUTE);
    assert.deepEqual([t?.kind, t?.name, t?.namespace], ['Job', 'nightly-report', 'batch']);
  });

  it('does not take the Prometheus scrape job for a Kubernetes Job', () => {
    const t = resolveTarget(
      [eventsV2({ namespace: 'monitoring', job: 'node-exporter', instance: '10.0.0.1:9100' })],
      '',
      ROUTE,
    );
    assert.equal(t, null);
  });

  it('prefers exported_* labels when Prometheus renamed the object labels', () => {
    const t = resolveTarget(
      [
        eventsV2({
          namespace: 'monitoring',
          pod: 'kube-state-metrics-0',
          exported_namespace: 'shop',
          exported_pod: 'web-1',
        }),
      ],
      '',
      ROUTE,
    );
    assert.deepEqual([t?.kind, t?.namespace, t?.name], ['Pod', 'shop', 'web-1']);
  });

  it('falls back to cef_details.details when body.details has nothing (source cef)', () => {
    const alerts: Alert[] = [
      { body: { details: { note: 'no labels here' }, cef_details: { details: { namespace: 'shop', pod: 'web-1' } } } },
    ];
    assert.equal(resolveTarget(alerts, '', ROUTE)?.source, 'cef');
    const cefOnly: Alert[] = [{ body: { cef_details: { details: { statefulset: 'db' } } } }];
    assert.deepEqual(resolveTarget(cefOnly, '', ROUTE), {
      kind: 'StatefulSet',
      name: 'db',
      namespace: 'production',
      context: 'prod',
      source: 'cef',
    });
  });

  it('reads the Alertmanager < 0.30 firing text (labels only, not annotations)', () => {
    const custom = { firing: FIRING_TEXT, num_firing: '1', num_resolved: '0', resolved: '' };
    assert.deepEqual(resolveTarget([eventsV2(custom)], '', ROUTE), {
      kind: 'Pod',
      name: 'api-7d9f-abcde',
      namespace: 'payments',
      context: 'prod',
      source: 'alertmanager',
    });
  });

  it('reads the Alertmanager ≥ 0.30 firing JSON array (also when it arrives as a JSON string)', () => {
    const custom = { firing: FIRING_ARRAY, num_firing: 1, num_resolved: 0, resolved: null };
    const expected = {
      kind: 'Deployment',
      name: 'api',
      namespace: 'payments',
      context: 'prod',
      source: 'alertmanager',
    };
    assert.deepEqual(resolveTarget([eventsV2(custom)], '', ROUTE), expected);
    assert.deepEqual(
      resolveTarget([eventsV2({ ...custom, firing: JSON.stringify(FIRING_ARRAY) })], '', ROUTE),
      expected,
    );
  });

  it('reads custom details that are the firing text itself', () => {
    assert.equal(resolveTarget([eventsV2(FIRING_TEXT)], '', ROUTE)?.name, 'api-7d9f-abcde');
  });

  it('parses several alerts of a text blob and skips label sets naming nothing', () => {
    const text = `Labels:\n - alertname = TargetDown\n - job = x\n - instance = a:1\nAnnotations:\nSource: u\n${FIRING_TEXT}`;
    assert.equal(firingLabelSets(text).length, 2);
    assert.equal(resolveTarget([eventsV2({ firing: text })], '', ROUTE)?.name, 'api-7d9f-abcde');
  });

  it('applies the precedence details > cef > alertmanager > title across all alerts', () => {
    const am = eventsV2({ firing: FIRING_ARRAY });
    const flat = eventsV2({ namespace: 'shop', deployment: 'checkout' });
    const cef: Alert = { body: { cef_details: { details: { namespace: 'shop', daemonset: 'agent' } } } };
    const title = 'CrashLoopBackOff deploy/from-title';
    assert.equal(resolveTarget([am, cef, flat], title, ROUTE)?.source, 'details');
    assert.equal(resolveTarget([am, cef], title, ROUTE)?.source, 'cef');
    assert.equal(resolveTarget([am], title, ROUTE)?.source, 'alertmanager');
    assert.equal(resolveTarget([], title, ROUTE)?.source, 'title');
  });

  it('prefers triggered alerts over resolved ones', () => {
    const alerts = [
      eventsV2({ namespace: 'shop', deployment: 'old' }, 'resolved'),
      eventsV2({ namespace: 'shop', deployment: 'current' }),
    ];
    assert.equal(resolveTarget(alerts, '', ROUTE)?.name, 'current');
  });

  it("uses the route's namespace when the alert has none, else default; nodes are cluster-scoped", () => {
    assert.equal(resolveTarget([eventsV2({ deployment: 'web' })], '', ROUTE)?.namespace, 'production');
    assert.equal(
      resolveTarget([eventsV2({ deployment: 'web', namespace: '<no value>' })], '', ROUTE)?.namespace,
      'production',
    );
    assert.deepEqual(resolveTarget([eventsV2({ deployment: 'web' })], '', {}), {
      kind: 'Deployment',
      name: 'web',
      namespace: 'default',
      source: 'details',
    });
    assert.equal(resolveTarget([eventsV2({ namespace: 'shop', node: 'ip-10-0-1-5' })], '', ROUTE)?.namespace, '');
  });

  it('falls back to a kind/name in the title with kubectl spellings', () => {
    const cases: [string, string, string][] = [
      ['CrashLoopBackOff deploy/payments-service', 'Deployment', 'payments-service'],
      ['[FIRING:1] sts/redis-cache is down', 'StatefulSet', 'redis-cache'],
      ['Pod (po/web-1) restarting', 'Pod', 'web-1'],
      ['High latency on svc/checkout.', 'Service', 'checkout'],
      ['NotReady: node/ip-10-0-1-5', 'Node', 'ip-10-0-1-5'],
      ['ds/fluent-bit, daemonset.apps', 'DaemonSet', 'fluent-bit'],
      ['deployment.apps/api failing', 'Deployment', 'api'],
    ];
    for (const [title, kind, name] of cases) {
      const t = resolveTarget([], title, ROUTE);
      assert.equal(t?.kind, kind, title);
      assert.equal(t?.name, name, title);
      assert.equal(t?.source, 'title');
    }
    const t = resolveTarget([], 'CrashLoopBackOff deploy/payments-service', ROUTE);
    assert.deepEqual(t, {
      kind: 'Deployment',
      name: 'payments-service',
      namespace: 'production',
      context: 'prod',
      source: 'title',
    });
  });

  it('takes the namespace of a title target from the title, then the alerts, then the route', () => {
    assert.equal(resolveTarget([], 'down: shop/deploy/web', ROUTE)?.namespace, 'shop');
    assert.equal(resolveTarget([eventsV2({ namespace: 'alerts-ns' })], 'deploy/web', ROUTE)?.namespace, 'alerts-ns');
    assert.equal(
      resolveTarget([eventsV2({ firing: FIRING_TEXT.replace(/ - pod = .*\n/, '') })], 'deploy/web', ROUTE)?.namespace,
      'payments',
    );
    assert.equal(resolveTarget([], 'deploy/web', ROUTE)?.namespace, 'production');
  });

  it('returns null when nothing names an object', () => {
    assert.equal(resolveTarget([], 'Disk almost full', ROUTE), null);
    assert.equal(
      resolveTarget([eventsV2({ severity: 'critical', summary: 'x' })], 'see https://x.io/a/b', ROUTE),
      null,
    );
    assert.equal(
      resolveTarget([eventsV2('plain text details'), eventsV2(null), { body: null }, {}], 'widget/foo', ROUTE),
      null,
    );
    assert.equal(resolveTarget([eventsV2({ namespace: 'shop', deployment: 'Not A Name!' })], '', ROUTE), null);
  });

  it('finds kind/name tokens only', () => {
    assert.equal(targetInTitle('50/50 chance'), null);
    assert.equal(targetInTitle('a/b/c/d'), null);
    assert.deepEqual(targetInTitle('rollout of deploy/web'), { kind: 'Deployment', name: 'web' });
  });
});
