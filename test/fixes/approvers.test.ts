import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApproverResolver, mentionApprovers } from '../../src/fixes/approvers.js';

function slack(groups: Record<string, string[] | Error | 'hang'>) {
  const calls: string[] = [];
  return {
    calls,
    api: {
      usergroups: {
        users: {
          list: async ({ usergroup }: { usergroup: string }) => {
            calls.push(usergroup);
            const g = groups[usergroup];
            if (g === 'hang') return new Promise<never>(() => {});
            if (g instanceof Error || g === undefined) throw g ?? new Error('no_such_subteam');
            return { users: g };
          },
        },
      },
    },
  };
}

test('listed users are approvers without asking Slack; group members through usergroups.users.list', async () => {
  const s = slack({ S0SRE: ['U2'] });
  const r = createApproverResolver({ approvers: ['U1', 'S0SRE'], slack: s.api });
  assert.deepEqual(await r.isApprover('U1'), { ok: true, unresolved: [] });
  assert.deepEqual(s.calls, []);
  assert.deepEqual(await r.isApprover('U2'), { ok: true, unresolved: [] });
  assert.deepEqual(await r.isApprover('U3'), { ok: false, unresolved: [] });
  assert.deepEqual(s.calls, ['S0SRE'], 'members cached');
  assert.deepEqual(r.configured, ['U1', 'S0SRE']);
});

test('the cache expires; a group that cannot be read grants nothing and is reported', async () => {
  let now = 0;
  const s = slack({ S0A: ['U2'], S0B: new Error('no_such_subteam') });
  const r = createApproverResolver({ approvers: ['S0B', 'S0A'], slack: s.api, ttlMs: 1000, clock: () => now });
  assert.deepEqual(await r.isApprover('U2'), { ok: true, unresolved: [] });
  assert.deepEqual(await r.isApprover('U9'), { ok: false, unresolved: ['S0B'] });
  now = 2000;
  await r.isApprover('U2');
  assert.deepEqual(
    s.calls,
    ['S0B', 'S0A', 'S0B', 'S0B', 'S0A'],
    'failures are not cached; members refetched after the TTL',
  );
});

test('a slow Slack answer times out instead of holding up the click', async () => {
  const s = slack({ S0SLOW: 'hang' });
  const r = createApproverResolver({ approvers: ['S0SLOW'], slack: s.api, timeoutMs: 20 });
  assert.deepEqual(await r.isApprover('U1'), { ok: false, unresolved: ['S0SLOW'] });
});

test('approvers as mentions', () => {
  assert.equal(mentionApprovers(['U0ONCALL1', 'S0SRETEAM']), '<@U0ONCALL1>, <!subteam^S0SRETEAM>');
  assert.match(mentionApprovers([]), /nobody/);
});
