/**
 * image-not-found's fix: the previous revision's image comes back only when that revision is known,
 * ran a different image in the failing container, and still has Ready pods; advice only otherwise.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Facts, Revision } from '../../src/domain/facts.js';
import type { Container, KubeObject, Workload } from '../../src/domain/k8s.js';
import { applyLocally } from '../../src/fixes/plan-fix.js';
import { imageNotFound } from '../../src/rules/image-not-found.js';
import { base, PODS } from './base.js';
import { at, container, ev, facts, match, pod, revision, template } from './fixtures.js';

const OLD = 'registry.example.com/shop/web:2.30.4';
const NEW = 'registry.example.com/shop/web:2.31.0';
const P0 = PODS[0]!;
const P1 = PODS[1]!;

const pullFailed = (podName: string, image: string, c = 'app') =>
  ev({
    object: podName,
    container: c,
    reason: 'Failed',
    message: `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`,
    count: 6,
    first: at('01:41'),
  });

const pulling = (name: string, image: string) => ({
  name,
  ready: false,
  restartCount: 0,
  state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } },
});

/** Deployment `web`: revision 3 runs `now` (pod 0, failing), revision 2 ran `before` (pod 1, Ready). */
function rollout(o: { before?: string; now?: string; previousReady?: boolean } = {}): Facts {
  const now = o.now ?? NEW;
  const f = base({
    rolloutAt: at('01:40'),
    previousTemplate: template([container('app', { image: o.before ?? OLD })]),
    containers: [container('app', { image: now })],
  });
  f.pods[0]!.status!.containerStatuses = [pulling('app', now)];
  f.pods[0]!.status!.conditions = [{ type: 'Ready', status: 'False' }];
  f.pods[1]!.metadata!.ownerReferences = [{ kind: 'ReplicaSet', name: 'web-5c7d6b8a4', controller: true }];
  f.pods[1]!.metadata!.labels = { app: 'web', 'pod-template-hash': '5c7d6b8a4' };
  if (o.previousReady === false) {
    f.revisions[1]!.readyReplicas = 0;
    f.revisions[1]!.replicas = 0;
    f.pods.splice(1, 1);
  }
  f.events.push(pullFailed(P0, now));
  return f;
}

const containersOf = (obj: KubeObject, init = false): Container[] =>
  (init ? obj.spec?.template?.spec?.initContainers : obj.spec?.template?.spec?.containers) ?? [];

describe('image-not-found fix', () => {
  test('rollout to a missing tag while the previous ReplicaSet serves: patch sets the previous image back', () => {
    const f = rollout();
    const m = match(imageNotFound, f);
    assert.ok(m.fix, 'expected a fix');
    assert.equal(m.fix.patchType, 'strategic');
    assert.deepEqual(m.fix.resource, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'production',
      name: 'web',
    });
    assert.deepEqual(m.fix.patch, { spec: { template: { spec: { containers: [{ name: 'app', image: OLD }] } } } });
    // Both images are named, and the revision that still works.
    assert.ok(m.fix.summary.includes(NEW) && m.fix.summary.includes(OLD), m.fix.summary);
    assert.match(m.fix.summary, /revision 2 \(3 pod\(s\) Ready on it\)/);
    assert.match(m.advice, /Apply the patch .*or push the missing tag/);
    // The patch applies to the live Deployment and changes only that container's image.
    const after = applyLocally(m.fix, f.target.workload as KubeObject);
    assert.deepEqual(containersOf(after), [{ ...containersOf(f.target.workload as KubeObject)[0], image: OLD }]);
  });

  test('previous revision has no Ready pod (it was not shown to work): advice only', () => {
    const m = match(imageNotFound, rollout({ previousReady: false }));
    assert.equal(m.fix, null);
    assert.match(m.advice, /set image deploy\/web app=registry.example.com\/shop\/web:2.30.4/);
  });

  test('the previous revision ran the same image (tag deleted from the registry): advice only', () => {
    const f = rollout({ before: NEW });
    assert.equal(match(imageNotFound, f).fix, null);
  });

  test('first deploy (no previous revision): advice only', () => {
    const f = rollout();
    f.revisions = f.revisions.slice(0, 1);
    const m = match(imageNotFound, f);
    assert.equal(m.fix, null);
    assert.match(m.advice, /<image:existing-tag>/);
  });

  test('the previous image fails to pull as well: advice only', () => {
    const f = rollout();
    f.events.push(pullFailed(P1, OLD));
    assert.equal(match(imageNotFound, f).fix, null);
  });

  test('a failing init container image: the patch targets initContainers', () => {
    const migrate = (image: string) => container('migrate', { image, ports: [] });
    const f = base({
      rolloutAt: at('01:40'),
      previousTemplate: template([container('app')], { initContainers: [migrate('registry.example.com/migrate:7')] }),
      initContainers: [migrate('registry.example.com/migrate:8')],
    });
    f.pods[0]!.status!.initContainerStatuses = [pulling('migrate', 'registry.example.com/migrate:8')];
    f.pods[1]!.metadata!.ownerReferences = [{ kind: 'ReplicaSet', name: 'web-5c7d6b8a4', controller: true }];
    f.pods[1]!.metadata!.labels = { app: 'web', 'pod-template-hash': '5c7d6b8a4' };
    f.events.push(pullFailed(P0, 'registry.example.com/migrate:8', 'migrate'));
    const m = match(imageNotFound, f);
    assert.deepEqual(m.fix?.patch, {
      spec: { template: { spec: { initContainers: [{ name: 'migrate', image: 'registry.example.com/migrate:7' }] } } },
    });
    assert.match(m.fix?.summary ?? '', /init container migrate's image from registry.example.com\/migrate:8/);
  });

  describe('StatefulSet with ControllerRevisions', () => {
    const cr = (n: number, name: string, image: string, current = false): Revision => ({
      ...revision(
        n,
        name,
        at('01:40', n === 5 ? '2026-04-26' : '2026-04-19'),
        template([container('db', { image })]),
        current,
      ),
      kind: 'ControllerRevision',
      replicas: 0,
      readyReplicas: 0,
    });
    function sts(o: { oldReady?: boolean; policy?: string } = {}): Facts {
      const tpl = template([container('db', { image: NEW })]);
      const w: Workload = {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db', namespace: 'production' },
        spec: {
          replicas: 3,
          serviceName: 'db',
          selector: { matchLabels: { app: 'web' } },
          template: tpl,
          ...(o.policy ? { podManagementPolicy: o.policy } : {}),
        },
        status: { replicas: 3, readyReplicas: 2, currentRevision: 'db-7f9c8d6b5', updateRevision: 'db-5d4c7b9f8' },
      };
      const onRev = (name: string, rev: string, ready: boolean, image: string) =>
        pod(name, {
          owner: { kind: 'StatefulSet', name: 'db' },
          labels: { 'controller-revision-hash': rev },
          containers: [container('db', { image })],
          ready,
          statuses: [ready ? { name: 'db', ready: true, restartCount: 0 } : pulling('db', image)],
        });
      return facts({
        workload: w,
        target: { kind: 'StatefulSet', name: 'db' },
        revisions: [cr(5, 'db-5d4c7b9f8', NEW, true), cr(4, 'db-7f9c8d6b5', OLD)],
        pods: [
          onRev('db-0', 'db-7f9c8d6b5', o.oldReady ?? true, OLD),
          onRev('db-1', 'db-7f9c8d6b5', o.oldReady ?? true, OLD),
          onRev('db-2', 'db-5d4c7b9f8', false, NEW),
        ],
        events: [pullFailed('db-2', NEW, 'db')],
      });
    }

    test('Ready pods on the previous ControllerRevision: patch on the StatefulSet, advice deletes the stuck pod', () => {
      const m = match(imageNotFound, sts());
      assert.deepEqual(m.fix?.resource, {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        namespace: 'production',
        name: 'db',
      });
      assert.deepEqual(m.fix?.patch, { spec: { template: { spec: { containers: [{ name: 'db', image: OLD }] } } } });
      assert.match(m.fix?.summary ?? '', /revision 4 \(2 pod\(s\) Ready on it\)/);
      assert.match(m.advice, /OrderedReady StatefulSet .* delete db-2/);
    });

    test('Parallel pod management: no pod deletion advice, unless the update strategy is OnDelete', () => {
      const m = match(imageNotFound, sts({ policy: 'Parallel' }));
      assert.ok(m.fix);
      assert.doesNotMatch(m.advice, /delete db-2/);
      const f = sts({ policy: 'Parallel' });
      f.target.workload!.spec!.updateStrategy = { type: 'OnDelete' };
      assert.match(match(imageNotFound, f).advice, /An OnDelete StatefulSet .* delete db-2/);
    });

    test('no Ready pod on the previous ControllerRevision: advice only', () => {
      assert.equal(match(imageNotFound, sts({ oldReady: false })).fix, null);
    });
  });
});
