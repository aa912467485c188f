/**
 * The snapshot the playground page renders (`GET /api/state`): the Slack simulator's message store reduced to what a
 * Slack client shows one user, plus a version hash the event stream compares to notice changes. Pure.
 */
import { createHash } from 'node:crypto';
import { SLACK_SIM_DEFAULTS, type SlackSimulator, type StoredMessage } from '../simulators/slack/index.js';

export interface PlaygroundChannel {
  id: string;
  name: string;
}

export interface PlaygroundUser {
  id: string;
  name: string;
  realName?: string;
}

export interface PlaygroundUsergroup {
  id: string;
  handle: string;
}

export interface PlaygroundScenario {
  name: string;
  description: string;
  /** `kind/name`, e.g. `deploy/checkout-api`. */
  target: string;
  namespace: string;
}

/** A message as the page sees it (top-level or reply). */
export interface PageMessage {
  ts: string;
  threadTs: string | null;
  text: string;
  blocks: unknown[] | null;
  user: string;
  bot: boolean;
  subtype: string | null;
  edited: boolean;
  replyBroadcast: boolean;
  files: string[];
  reactions: { name: string; count: number }[];
}

export interface PageChannel extends PlaygroundChannel {
  /** Top-level messages (and broadcast replies), in ts order. */
  messages: PageMessage[];
  /** Replies by parent ts, in ts order. */
  threads: Record<string, PageMessage[]>;
  /** Ephemeral messages shown to the acting user, in ts order. */
  ephemerals: { ts: string; threadTs: string | null; text: string; blocks: unknown[] | null }[];
}

export interface PageView {
  id: string;
  hash: string;
  type: string;
  callbackId: string | null;
  title: unknown;
  submit: unknown;
  close: unknown;
  blocks: unknown[];
  errors: Record<string, string>;
}

export interface PageFile {
  id: string;
  title: string;
  filename: string;
  size: number;
  channel: string | null;
  threadTs: string | null;
}

export interface PageState {
  title: string;
  version: string;
  user: string;
  bot: { userId: string; name: string };
  users: PlaygroundUser[];
  usergroups: PlaygroundUsergroup[];
  channels: PageChannel[];
  /** Open views (modals) of the acting user, bottom of the stack first. */
  views: PageView[];
  files: PageFile[];
  scenarios: PlaygroundScenario[];
  scenario: string | null;
  canPage: boolean;
  connectedSockets: number;
}

export interface SnapshotInput {
  slack: SlackSimulator;
  title: string;
  user: string;
  channels: PlaygroundChannel[];
  users: PlaygroundUser[];
  usergroups: PlaygroundUsergroup[];
  scenarios: PlaygroundScenario[];
  scenario: string | null;
  canPage: boolean;
}

function pageMessage(m: StoredMessage): PageMessage {
  return {
    ts: m.ts,
    threadTs: m.threadTs,
    text: m.text,
    blocks: m.blocks && m.blocks.length > 0 ? m.blocks : null,
    user: m.user,
    bot: m.botId !== null,
    subtype: m.subtype,
    edited: m.edits > 0,
    replyBroadcast: m.replyBroadcast,
    files: [...m.files],
    reactions: m.reactions.map((r) => ({ name: r.name, count: r.users.length })),
  };
}

/** A hash of everything the page can show: the event stream emits when it changes. */
export function stateVersion(slack: SlackSimulator): string {
  const h = createHash('sha1');
  h.update(JSON.stringify(slack.messages()));
  h.update(JSON.stringify(slack.ephemerals()));
  h.update(JSON.stringify(slack.views()));
  h.update(JSON.stringify(slack.files().map((f) => [f.id, f.size, f.channel, f.threadTs])));
  h.update(String(slack.connectedSockets()));
  return h.digest('hex').slice(0, 16);
}

export function snapshot(input: SnapshotInput): PageState {
  const { slack, user } = input;
  const all = slack.messages();
  const known = new Map(input.channels.map((c) => [c.id, c]));
  // Channels the simulator knows but the playground was not told about (DMs, custom channels) still show up.
  for (const m of all) if (!known.has(m.channel)) known.set(m.channel, { id: m.channel, name: m.channel });
  const ephemerals = slack.ephemerals().filter((e) => e.user === user);
  const channels: PageChannel[] = [...known.values()].map((c) => {
    const mine = all.filter((m) => m.channel === c.id);
    const threads: Record<string, PageMessage[]> = {};
    for (const m of mine) {
      if (m.threadTs === null || m.threadTs === m.ts) continue;
      const list = threads[m.threadTs] ?? [];
      list.push(pageMessage(m));
      threads[m.threadTs] = list;
    }
    return {
      id: c.id,
      name: c.name,
      messages: mine.filter((m) => m.threadTs === null || m.threadTs === m.ts || m.replyBroadcast).map(pageMessage),
      threads,
      ephemerals: ephemerals
        .filter((e) => e.channel === c.id)
        .map((e) => ({
          ts: e.ts,
          threadTs: e.threadTs,
          text: e.text,
          blocks: e.blocks && e.blocks.length > 0 ? e.blocks : null,
        })),
    };
  });
  const views: PageView[] = slack
    .views()
    .filter((v) => v.open && v.user === user)
    .sort((a, b) => a.openedAt - b.openedAt)
    .map((v) => ({
      id: v.id,
      hash: v.hash,
      type: v.type,
      callbackId: v.callbackId,
      title: v.title,
      submit: v.submit,
      close: v.close,
      blocks: v.blocks,
      errors: v.errors ?? {},
    }));
  const files: PageFile[] = slack.files().map((f) => ({
    id: f.id,
    title: f.title,
    filename: f.filename,
    size: f.size,
    channel: f.channel,
    threadTs: f.threadTs,
  }));
  return {
    title: input.title,
    version: stateVersion(slack),
    user,
    bot: { userId: slack.bot.userId, name: SLACK_SIM_DEFAULTS.botName },
    users: input.users,
    usergroups: input.usergroups,
    channels,
    views,
    files,
    scenarios: input.scenarios,
    scenario: input.scenario,
    canPage: input.canPage,
    connectedSockets: slack.connectedSockets(),
  };
}
