/**
 * `submitApproval` with a fake patcher: the paths a simulator cannot stage on demand (a conflict at the very
 * last moment, a PATCH whose answer is lost) and the exactly-once guarantee under concurrent submits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileConfigSchema } from '../../src/config/schema.js';
import type { KubeObject } from '../../src/domain/k8s.js';
import { type ApplyOutcome, outcomeOf, recoverInterrupted, submitApproval } from '../../src/fixes/apply-fix.js';
import { createApproverResolver } from '../../src/fixes/approvers.js';
import type { KubePatcher, ObjectResult, PatchFailure, PatchRequest } from '../../src/fixes/patcher.js';
import { applyLocally } from '../../src/fixes/plan-fix.js';
import { getProposal, recordProposal } from '../../src/fixes/proposals.js';
import { createBackground, type FixDeps } from '../../src/fixes/runtime.js';
import { DEFAULT_VERIFY } from '../../src/fixes/verify.js';
import { silentLogger } from '../../src/log.js';
import { createStore } from '../../src/store/index.js';
import { SEED_FIX, seedDeployment } from './fixtures.js';

const failure = (kind: PatchFailure['kind'], status: number | null): PatchFailure => ({
  kind,
  status,
  message: kind,
  permission: null,
  causes: [],
});

/** A patcher over one in-memory object; `onPatch` may answer instead of applying. */
function fakePatcher(onPatch?: (req: PatchRequest, obj: KubeObject) => ObjectResult | null) {
  let obj = seedDeployment();
  const patches: PatchRequest[] = [];
  const patcher: KubePatcher = {
    context: 'prod',
    server: 'https://k8s',
    async get() {
      return { ok: true, object: structuredClone(obj) };
    },
    async patch(req) {
      patches.push(req);
      await new Promise((r) => setTimeout(r, 5));
      const answer = onPatch?.(req, obj);
      if (answer) return answer;
      const next = applyLocally(req.fix, obj);
      next.metadata = { ...next.metadata, resourceVersion: String(Number(obj.metadata?.resourceVersion) + 1) };
      if (!req.dryRun) obj = next;
      return { ok: true, object: next };
    },
  };
  return { patcher, patches, set: (o: KubeObject) => (obj = o), get: () => obj };
}

function setup(t: { after(fn: () => void): void }, fake: ReturnType<typeof fakePatcher>, required = 1) {
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
    snapshot: { uid: '7e7366d8-ddb6-4c14-8a08-03829783dd49', resourceVersion: '330954' },
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
