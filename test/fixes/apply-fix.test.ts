/**
 * `submitApproval` with a fake patcher: the paths a simulator cannot stage on demand (a conflict at the very
 * last moment, a PATCH whose answer is lost), the exactly-once guarantee under concurrent submits, and the
 * spec binding (status-only changes apply with the live resourceVersion; older proposals stay exact).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileConfigSchema } from '../../src/config/schema.js';
import type { KubeObject } from '../../src/domain/k8s.js';
import { type ApplyOutcome, outcomeOf, recoverInterrupted, submitApproval } from '../../src/fixes/apply-fix.js';
import { createApproverResolver } from '../../src/fixes/approvers.js';
import type { KubePatcher, ObjectResult, PatchFailure, PatchRequest } from '../../src/fixes/patcher.js';
import { applyLocally } from '../../src/fixes/plan-fix.js';
import { getProposal, recordProposal, snapshotOf, snapshotTarget } from '../../src/fixes/proposals.js';
import { createBackground, type FixDeps } from '../../src/fixes/runtime.js';
import { DEFAULT_VERIFY } from '../../src/fixes/verify.js';
import { silentLogger } from '../../src/log.js';
import { createStore } from '../../src/store/index.js';
import { SEED_FIX, seedDeployment } from './fixtures.js';

/** An audit entry's detail as a plain record. */
const detailOf = (e: { detail: unknown } | undefined) => (e?.detail ?? {}) as Record<string, unknown>;

const failure = (kind: PatchFailure['kind'], status: number | null): PatchFailure => ({
  kind,
  status,
  message: kind,
  permission: null,
  causes: [],
});

/**
 * A patcher over one in-memory object; `onPatch` may answer instead of applying, `afterGet` runs after each
 * read. Like the API server, it refuses (409) a PATCH whose resourceVersion precondition is not the object's.
 */
function fakePatcher(
  onPatch?: (req: PatchRequest, obj: KubeObject) => ObjectResult | null,
  afterGet?: (obj: KubeObject) => KubeObject,
) {
  let obj = seedDeployment();
  const patches: PatchRequest[] = [];
  const patcher: KubePatcher = {
    context: 'prod',
    server: 'https://k8s',
    async get() {
      const read = structuredClone(obj);
      if (afterGet) obj = afterGet(obj);
      return { ok: true, object: read };
    },
    async patch(req) {
      patches.push(req);
      await new Promise((r) => setTimeout(r, 5));
      const answer = onPatch?.(req, obj);
      if (answer) return answer;
      if (req.precondition && req.precondition.resourceVersion !== obj.metadata?.resourceVersion)
        return { ok: false, failure: failure('conflict', 409) };
      const next = applyLocally(req.fix, obj);
      next.metadata = { ...next.metadata, resourceVersion: String(Number(obj.metadata?.resourceVersion) + 1) };
      if (!req.dryRun) obj = next;
      return { ok: true, object: next };
    },
  };
  return { patcher, patches, set: (o: KubeObject) => (obj = o), get: () => obj };
}

/** The object after a status write (what a crash-looping Deployment's controller does every minute). */
function statusWrite(obj: KubeObject, rv: string): KubeObject {
  return {
    ...structuredClone(obj),
    metadata: { ...obj.metadata, resourceVersion: rv },
    status: { ...obj.status, availableReplicas: 0, unavailableReplicas: 3 },
  };
}

/** The object after someone changed its spec. */
function specWrite(obj: KubeObject, rv: string): KubeObject {
  const next = statusWrite(obj, rv);
  next.spec = { ...next.spec, replicas: 1 };
  next.metadata = { ...next.metadata, generation: (obj.metadata?.generation ?? 0) + 1 };
  return next;
}

/**
 * `bind`: `spec` = a proposal as this version records it (uid, resourceVersion, generation, spec hash); `legacy` =
 * one stored by an older version (uid and resourceVersion only).
 */
function setup(
  t: { after(fn: () => void): void },
  fake: ReturnType<typeof fakePatcher>,
  required = 1,
  bind: 'spec' | 'legacy' = 'spec',
) {
  const store = createStore(':memory:');
  t.after(() => store.close());
  const config = FileConfigSchema.parse({ approvals: { approvers: ['UA1', 'UA2'], required } });
  const deps: FixDeps = {
    store,
    config,
    readers: { get: async () => Promise.reject(new Error('no reader')) },
    log: silentLogger,
    now: () => new Date(),
    fixes: {
      patchers: { get: async () => fake.patcher },
      approvers: createApproverResolver({
        approvers: config.approvals.approvers,
        slack: { usergroups: { users: { list: async () => ({ users: [] }) } } },
      }),
      verify: DEFAULT_VERIFY,
      background: createBackground(silentLogger),
      startedAt: new Date(),
    },
  };
  const inv = store.investigations.create({
    target: { kind: 'Deployment', namespace: 'production', name: 'payments-service', context: 'prod' },
    trigger: 'slash',
    requestedBy: 'UA9',
    startedAt: new Date(),
  });
  const action = store.actions.create(inv.id, {
    kind: 'apply_fix',
    payload: { target: inv.target, fix: SEED_FIX },
  });
  const approval = recordProposal(deps, {
    investigationId: inv.id,
    actionId: action.id,
    fix: SEED_FIX,
    snapshot:
      bind === 'spec'
        ? snapshotOf(seedDeployment())!
        : { uid: '7e7366d8-ddb6-4c14-8a08-03829783dd49', resourceVersion: '330954' },
    context: 'prod',
    requestedBy: 'UA9',
    purpose: 'fix',
  });
  return { deps, store, id: approval.id };
}

const kinds = (outs: ApplyOutcome[]) => outs.map((o) => o.kind).sort();

test('concurrent submits by two approvers: one PATCH, one applied, the other told', async (t) => {
  const fake = fakePatcher();
  const { deps, store, id } = setup(t, fake);
  const outs = await Promise.all([submitApproval(deps, id, 'UA1'), submitApproval(deps, id, 'UA2')]);
  assert.deepEqual(kinds(outs), ['applied', 'refused']);
  assert.equal(fake.patches.filter((p) => !p.dryRun).length, 1);
  assert.deepEqual(fake.patches[0]?.precondition, {
    resourceVersion: '330954',
    uid: '7e7366d8-ddb6-4c14-8a08-03829783dd49',
  });
  assert.equal(store.approvals.get(id)?.status, 'applied');
  assert.equal(outcomeOf(store.approvals.get(id)!)?.kind, 'applied');
});

test('a conflict at the PATCH itself (409) fails the approval: nothing applied, never retried', async (t) => {
  const fake = fakePatcher(() => ({ ok: false, failure: failure('conflict', 409) }));
  const { deps, store, id } = setup(t, fake);
  const out = await submitApproval(deps, id, 'UA1');
  assert.equal(out.kind, 'failed');
  assert.equal(store.approvals.get(id)?.status, 'failed');
  const again = await submitApproval(deps, id, 'UA2');
  assert.equal(again.kind, 'refused');
  assert.equal(fake.patches.length, 1);
  assert.ok(store.audit.list().some((e) => e.action === 'fix.failed'));
});

test('a lost PATCH answer is settled by re-reading the object', async (t) => {
  const landed = fakePatcher((req, obj) => {
    const next = applyLocally(req.fix, obj);
    next.metadata = { ...next.metadata, resourceVersion: '400000' };
    landed.set(next);
    return { ok: false, failure: failure('timeout', null) };
  });
  const a = setup(t, landed);
  const out = await submitApproval(a.deps, a.id, 'UA1');
  assert.equal(out.kind, 'applied');
  assert.ok(out.kind === 'applied' && out.confirmedByRead);

  const lost = fakePatcher(() => ({ ok: false, failure: failure('timeout', null) }));
  const b = setup(t, lost);
  assert.equal((await submitApproval(b.deps, b.id, 'UA1')).kind, 'failed');
  assert.equal(b.store.approvals.get(b.id)?.status, 'failed');
});

test('two-person mode: the requester is excluded, one vote is recorded, the second applies', async (t) => {
  const fake = fakePatcher();
  const { deps, store, id } = setup(t, fake, 2);
  store.db.prepare('UPDATE pending_approvals SET requested_by = ? WHERE id = ?').run('UA1', id);
  const own = await submitApproval(deps, id, 'UA1');
  assert.ok(own.kind === 'refused' && own.refusal.reason === 'requester');
  store.db.prepare('UPDATE pending_approvals SET requested_by = ? WHERE id = ?').run('UA9', id);
  assert.equal((await submitApproval(deps, id, 'UA1')).kind, 'recorded');
  const dup = await submitApproval(deps, id, 'UA1');
  assert.ok(dup.kind === 'refused' && dup.refusal.reason === 'duplicate');
  assert.equal(fake.patches.length, 0);
  assert.equal((await submitApproval(deps, id, 'UA2')).kind, 'applied');
  assert.equal(fake.patches.length, 1);
});

test('a non-approver, an unknown id, a changed or recreated object are refused without a PATCH', async (t) => {
  const fake = fakePatcher();
  const { deps, id, store } = setup(t, fake);
  const stranger = await submitApproval(deps, id, 'UA7');
  assert.ok(stranger.kind === 'refused' && stranger.refusal.reason === 'not-approver');
  assert.ok((await submitApproval(deps, 'apr_unknown', 'UA1')).kind === 'refused');
  const recreated = seedDeployment();
  recreated.metadata = { ...recreated.metadata, uid: 'new-uid' };
  fake.set(recreated);
  const r = await submitApproval(deps, id, 'UA1');
  assert.ok(r.kind === 'refused' && r.refusal.reason === 'recreated');
  assert.equal(store.approvals.get(id)?.status, 'failed', 'the proposal can never apply now');
  assert.equal(fake.patches.length, 0);
});

test('restart recovery: an approved fix is never re-sent; the live object decides applied or not', async (t) => {
  const fake = fakePatcher();
  const { deps, store, id } = setup(t, fake);
  store.approvals.addApproval(id, 'UA1');
  assert.deepEqual(await recoverInterrupted(deps), [], 'approved by this process: being served, not touched');
  deps.fixes.startedAt = new Date(Date.now() + 1000); // as if the process restarted
  const [r] = await recoverInterrupted(deps);
  assert.equal(r?.applied, false);
  assert.equal(store.approvals.get(id)?.status, 'failed');
  assert.equal(fake.patches.length, 0);
  assert.equal(getProposal(store, id)?.record.purpose, 'fix');
  assert.deepEqual(await recoverInterrupted(deps), [], 'settled once');
});

test('the snapshot binds the proposal to uid, resourceVersion, generation and the spec hash', async (t) => {
  const fake = fakePatcher();
  const { deps, store, id } = setup(t, fake);
  const snap = await snapshotTarget(deps, SEED_FIX, 'prod');
  assert.deepEqual(snap, snapshotOf(seedDeployment()));
  assert.equal(snap?.generation, seedDeployment().metadata?.generation);
  const record = getProposal(store, id)?.record;
  assert.equal(record?.specHash, snap?.specHash);
  assert.equal(record?.generation, snap?.generation);
  assert.equal(store.approvals.get(id)?.resourceVersion, '330954');
});

test('only the status changed since the proposal: applied, with the live resourceVersion as precondition', async (t) => {
  const fake = fakePatcher();
  const { deps, store, id } = setup(t, fake);
  fake.set(statusWrite(fake.get(), '331007'));
  const out = await submitApproval(deps, id, 'UA1');
  assert.equal(out.kind, 'applied', JSON.stringify(out.kind === 'refused' ? out.refusal : null));
  const writes = fake.patches.filter((p) => !p.dryRun);
  assert.equal(writes.length, 1);
  assert.deepEqual(writes[0]?.precondition, { resourceVersion: '331007', uid: '7e7366d8-ddb6-4c14-8a08-03829783dd49' });
  assert.equal(fake.get().spec.template.spec.containers[0].livenessProbe.timeoutSeconds, 10);
  const row = detailOf(store.audit.list().find((e) => e.action === 'fix.applied'));
  assert.deepEqual(
    [row.proposedResourceVersion, row.resourceVersionBefore, row.statusOnlyChange],
    ['330954', '331007', true],
  );
});

test('the spec changed since the proposal: stale (spec), closed, no PATCH', async (t) => {
  const fake = fakePatcher();
  const { deps, store, id } = setup(t, fake);
  fake.set(specWrite(fake.get(), '331008'));
  const out = await submitApproval(deps, id, 'UA1');
  assert.ok(out.kind === 'refused' && out.refusal.reason === 'stale', JSON.stringify(out));
  assert.deepEqual(out.refusal, { reason: 'stale', proposed: '330954', live: '331008', change: 'spec' });
  assert.equal(store.approvals.get(id)?.status, 'failed');
  assert.equal(outcomeOf(store.approvals.get(id)!)?.kind, 'stale');
  assert.equal(fake.patches.length, 0);
  const refused = store.audit.list().find((e) => e.action === 'fix.refused');
  assert.deepEqual(refused?.detail, { reason: 'stale', proposed: '330954', live: '331008', change: 'spec' });
});

test('the spec changes between the last read and the PATCH: 409, failed, never retried', async (t) => {
  // A status write before the submit (fine), then someone edits the spec right after the submit's read.
  let reads = 0;
  const fake = fakePatcher(undefined, (obj) => (++reads === 1 ? specWrite(obj, '331010') : obj));
  const { deps, store, id } = setup(t, fake);
  fake.set(statusWrite(fake.get(), '331009'));
  const out = await submitApproval(deps, id, 'UA1');
  assert.ok(out.kind === 'failed' && out.failure.kind === 'conflict', JSON.stringify(out.kind));
  assert.equal(fake.patches.length, 1, 'one PATCH, refused by its precondition; not retried');
  assert.equal(fake.patches[0]?.precondition?.resourceVersion, '331009');
  assert.equal(fake.get().spec.template.spec.containers[0].livenessProbe.timeoutSeconds, 2, 'nothing applied');
  assert.equal(store.approvals.get(id)?.status, 'failed');
  const row = detailOf(store.audit.list().find((e) => e.action === 'fix.failed'));
  assert.equal(row.preconditionResourceVersion, '331009');
});

test('a proposal stored by an older version (no spec hash) keeps the exact resourceVersion binding', async (t) => {
  const fake = fakePatcher();
  const { deps, store, id } = setup(t, fake, 1, 'legacy');
  assert.equal(getProposal(store, id)?.record.specHash, undefined);
  fake.set(statusWrite(fake.get(), '331011'));
  const out = await submitApproval(deps, id, 'UA1');
  assert.ok(out.kind === 'refused' && out.refusal.reason === 'stale', JSON.stringify(out));
  assert.deepEqual(out.refusal, { reason: 'stale', proposed: '330954', live: '331011', change: 'version' });
  assert.equal(fake.patches.length, 0);

  const same = fakePatcher();
  const legacy = setup(t, same, 1, 'legacy');
  assert.equal((await submitApproval(legacy.deps, legacy.id, 'UA1')).kind, 'applied', 'unchanged: applies as before');
  assert.equal(same.patches[0]?.precondition?.resourceVersion, '330954');
});

test('restart recovery under status churn: a status write alone is not "landed"', async (t) => {
  const fake = fakePatcher();
  const { deps, store, id } = setup(t, fake);
  store.approvals.addApproval(id, 'UA1');
  fake.set(statusWrite(fake.get(), '331012'));
  deps.fixes.startedAt = new Date(Date.now() + 1000);
  const [r] = await recoverInterrupted(deps);
  assert.equal(r?.applied, false);

  const landed = fakePatcher();
  const b = setup(t, landed);
  b.store.approvals.addApproval(b.id, 'UA1');
  landed.set(statusWrite(applyLocally(SEED_FIX, landed.get()), '331013'));
  b.deps.fixes.startedAt = new Date(Date.now() + 1000);
  const [r2] = await recoverInterrupted(b.deps);
  assert.equal(r2?.applied, true);
  assert.equal(landed.patches.length, 0, 'never re-sent');
});
