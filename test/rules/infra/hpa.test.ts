import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hpaAtMax } from '../../../src/rules/infra/hpa-at-max.js';
import { hpaMetricsUnavailable } from '../../../src/rules/infra/hpa-metrics-unavailable.js';
import { container, deployment, ev, facts, hpa, match, quota, ruledOut, run, T, template } from './fixtures.js';

const LIMITED = {
  type: 'ScalingLimited',
  status: 'True',
  reason: 'TooManyReplicas',
  message: 'the desired replica count is more than the maximum replica count',
  lastTransitionTime: T('10:02:00'),
};
const rescale = ev({
  kind: 'HorizontalPodAutoscaler',
  object: 'api',
  reason: 'SuccessfulRescale',
  type: 'Normal',
  source: 'horizontal-pod-autoscaler',
  first: T('09:50:00'),
  message: 'New size: 10; reason: cpu resource utilization (percentage of request) above target',
});

describe('hpa-at-max', () => {
  test('FM-22: pinned at max with utilization far above target; raise maxReplicas 1.5×', () => {
    const f = facts({
      hpas: [hpa({ max: 10, current: 10, desired: 10, utilization: 180, conditions: [LIMITED] })],
      events: [rescale],
    });
    const m = match(hpaAtMax, f);
    assert.equal(m.signals.length, 4);
    assert.deepEqual(
      m.signals.map((s) => s.kind),
      ['status', 'status', 'metric', 'event'],
    );
    assert.deepEqual(m.fix, {
      summary: 'raise HPA api maxReplicas 10→15',
      resource: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: 'shop', name: 'api' },
      patchType: 'merge',
      patch: { spec: { maxReplicas: 15 } },
    });
    assert.match(m.trigger ?? '', /began scaling up at 09:50:00Z/);
  });

  test('the namespace quota caps the new maximum', () => {
    const f = facts({
      hpas: [hpa({ max: 10, current: 10, utilization: 180, conditions: [LIMITED] })],
      quotas: [quota('compute', { 'requests.cpu': '4' }, { 'requests.cpu': '3500m' })],
    });
    const m = match(hpaAtMax, f);
    assert.deepEqual(m.fix?.patch, { spec: { maxReplicas: 12 } });
    assert.match(m.fix?.summary ?? '', /within quota compute/);
  });

  test('red herring: TooFewReplicas at minReplicas is normal', () => {
    const f = facts({
      hpas: [
        hpa({
          min: 2,
          current: 2,
          utilization: 5,
          conditions: [
            {
              type: 'ScalingLimited',
              status: 'True',
              reason: 'TooFewReplicas',
              message: 'the desired replica count is less than the minimum replica count',
            },
          ],
        }),
      ],
    });
    assert.match(ruledOut(hpaAtMax, f), /TooFewReplicas: normal at low load/);
  });

  test('red herring: far from the ceiling because metrics are missing', () => {
    const f = facts({
      hpas: [
        hpa({
          min: 3,
          max: 15,
          current: 3,
          utilization: null,
          conditions: [{ type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric' }],
        }),
      ],
    });
    assert.match(
      ruledOut(hpaAtMax, f),
      /runs 3 of at most 15 replicas: it is not at its ceiling \(ScalingActive=False/,
    );
  });

  test('at max but within target: not saturated', () => {
    const f = facts({
      hpas: [
        hpa({
          max: 3,
          current: 3,
          utilization: 40,
          conditions: [{ type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange' }],
        }),
      ],
    });
    assert.match(ruledOut(hpaAtMax, f), /not saturated: cpu 40% of request vs target 70%/);
  });
});

describe('hpa-metrics-unavailable', () => {
  const noCpuRequest = deployment({
    template: template({ containers: [container({ resources: { requests: { memory: '512Mi' } } })] }),
  });

  test('FM-23 missing request: event + template spec; patch adds requests.cpu to that container', () => {
    const f = facts(
      {
        hpas: [
          hpa({
            utilization: null,
            conditions: [
              {
                type: 'ScalingActive',
                status: 'False',
                reason: 'FailedGetResourceMetric',
                message:
                  'the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container api of Pod api-7c9d8f6b5d-x2k4q',
              },
            ],
          }),
        ],
        events: [
          ev({
            kind: 'HorizontalPodAutoscaler',
            object: 'api',
            reason: 'FailedGetResourceMetric',
            source: 'horizontal-pod-autoscaler',
            count: 30,
            message:
              'failed to get cpu utilization: missing request for cpu in container api of Pod api-7c9d8f6b5d-x2k4q',
          }),
        ],
      },
      noCpuRequest,
    );
    const m = match(hpaMetricsUnavailable, f);
    assert.equal(m.signals.length, 2);
    assert.deepEqual(m.fix?.patch, {
      spec: { template: { spec: { containers: [{ name: 'api', resources: { requests: { cpu: '250m' } } }] } } },
    });
    assert.equal(m.fix?.resource.kind, 'Deployment');
  });

  test('FM-23 metrics API down: no patch, points at metrics-server', () => {
    const f = facts({
      hpas: [hpa({ utilization: null })],
      events: [
        ev({
          kind: 'HorizontalPodAutoscaler',
          object: 'api',
          reason: 'FailedGetResourceMetric',
          message:
            'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server is currently unable to handle the request (get pods.metrics.k8s.io)',
        }),
      ],
    });
    const m = match(hpaMetricsUnavailable, f);
    assert.equal(m.fix, null);
    assert.match(m.advice, /v1beta1.metrics.k8s.io/);
  });

  test('red herring: metrics recovered (ScalingActive=True after the last failure)', () => {
    const f = facts({
      hpas: [
        hpa({
          conditions: [
            { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', lastTransitionTime: T('10:10:00') },
          ],
        }),
      ],
      events: [
        ev({
          kind: 'HorizontalPodAutoscaler',
          object: 'api',
          reason: 'FailedGetResourceMetric',
          message: 'failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)',
        }),
      ],
    });
    assert.match(ruledOut(hpaMetricsUnavailable, f), /metrics recovered/);
    assert.equal(run(hpaMetricsUnavailable, facts({ hpas: [hpa({})] })), null);
  });
});
