/**
 * Crash windows around the ROOT CAUSE reply, replayed on the database between two runs of the real
 * bot: finished but never sent → sent after the restart (once); claimed but the outcome unknown →
 * never sent again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStore } from '../../src/store/index.js';
import { findRootCauseReply, type Harness, harness, parents } from './bot-harness.js';

const CH = 'C0INCIDENTS';
const roots = (h: Harness, ts: string) =>
  h.slack.thread(CH, ts).filter((m) => /ROOT CAUSE/.test(m.text + JSON.stringify(m.blocks ?? [])));

describe('restart between the conclusion and its reply', () => {
  let h: Harness;
  before(async () => {
    h = await harness('seed-payments-redis-spot');
    await h.start('socket');
  });
  after(async () => {
    await h.close();
  });

  const setRoot = (value: string | null) => {
    const store = createStore(h.db);
    try {
      store.db.prepare('UPDATE investigations SET root_ts = ?').run(value);
    } finally {
      store.close();
    }
  };

  test('a conclusion never sent is sent after the restart, once, without repeating the evidence', async () => {
    await h.slack.slashCommand({
      command: '/causa',
      text: 'investigate deployment/payments-service -n production',
      channel: CH,
    });
    const parent = await h.slack.waitFor(() => parents(h.slack, CH)[0], 15_000);
    await h.slack.waitFor(() => findRootCauseReply(h.slack, CH, parent.ts), 15_000);
    const evidenceBefore = h.slack.thread(CH, parent.ts).length;
    await h.bot!.stop();
    setRoot(null); // as if the process died after saving the result, before sending the reply
    await h.start('socket');
    await h.slack.waitFor(() => roots(h, parent.ts).length === 2, 15_000);
    const thread = h.slack.thread(CH, parent.ts);
    assert.ok(thread.some((m) => /restarted before posting this conclusion/.test(m.text)));
    // Only the notice and the conclusion were added: no step evidence twice.
    assert.equal(thread.length, evidenceBefore + 2);
    assert.equal(parents(h.slack, CH).length, 1);

    // And a second restart does not resume it again.
    await h.bot!.stop();
    await h.start('socket');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(roots(h, parent.ts).length, 2);
  });

  test('a reply claimed but not confirmed (may be in Slack) is never sent again', async () => {
    const parent = parents(h.slack, CH)[0]!;
    const before = h.slack.messages(CH).length + h.slack.thread(CH, parent.ts).length;
    await h.bot!.stop();
    setRoot(''); // claimed, the send's outcome unknown
    await h.start('socket');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(h.slack.messages(CH).length + h.slack.thread(CH, parent.ts).length, before, 'nothing posted');
  });
});
