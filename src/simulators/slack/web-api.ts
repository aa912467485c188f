/** Web API methods (shared/reference/protocols.md §A.3.4): arguments in, `{ ok: true, ... }` out, SlackError for ok:false. */
import { isRec } from './blocks.js';
import { bool, str } from './http.js';
import { compareTs } from './ids.js';
import { SlackError, type SlackState, type Trigger } from './state.js';
import type { StoredMessage, StoredView } from './types.js';
import { DEFAULTS } from './types.js';

type Rec = Record<string, unknown>;

export interface ApiContext {
  state: SlackState;
  /** http://127.0.0.1:PORT */
  url: string;
  /** A fresh single-use ticket for the socket-mode URL. */
  mintTicket(): string;
  triggerTtlMs: number;
}

type Handler = (args: Rec, ctx: ApiContext) => Rec;

/** Methods that take the app-level token (xapp-…); every other method takes the bot token. */
export const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

function required(args: Rec, name: string): string {
  const v = str(args[name]);
  if (v === undefined || v === '')
    throw new SlackError('invalid_arguments', {
      response_metadata: { messages: [`[ERROR] missing required field: ${name}`] },
    });
  return v;
}

function channelOf(ctx: ApiContext, ref: string | undefined) {
  const channel = ctx.state.resolveChannel(ref);
  if (!channel) throw new SlackError('channel_not_found');
  return channel;
}

function messageOf(ctx: ApiContext, channel: string, ts: string | undefined): StoredMessage {
  const m = ts === undefined ? undefined : ctx.state.findMessage(channel, ts);
  if (!m) throw new SlackError('message_not_found');
  return m;
}

function page<T>(items: T[], args: Rec, defaultLimit = 100): { items: T[]; nextCursor: string } {
  const limit = Math.max(1, Math.min(Number(str(args.limit) ?? defaultLimit) || defaultLimit, 999));
  const cursor = str(args.cursor);
  let offset = 0;
  if (cursor) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
    if (!decoded) throw new SlackError('invalid_cursor');
    offset = Number(decoded[1]);
  }
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '';
  return { items: slice, nextCursor: next };
}

function inTimeRange(ts: string, args: Rec): boolean {
  const oldest = str(args.oldest);
  const latest = str(args.latest);
  const inclusive = bool(args.inclusive);
  if (oldest && (inclusive ? compareTs(ts, oldest) < 0 : compareTs(ts, oldest) <= 0)) return false;
  if (latest && (inclusive ? compareTs(ts, latest) > 0 : compareTs(ts, latest) >= 0)) return false;
  return true;
}

function openViewFor(ctx: ApiContext, view: unknown, user: string, previous: StoredView | null): Rec {
  const checked = ctx.state.checkView(view);
  const stored = ctx.state.openView(checked, user, previous);
  return { view: structuredClone(stored.view) };
}

function findView(ctx: ApiContext, args: Rec): StoredView {
  const viewId = str(args.view_id);
  const externalId = str(args.external_id) ?? (isRec(args.view) ? str(args.view.external_id) : undefined);
  let stored: StoredView | undefined;
  if (viewId) stored = ctx.state.viewMap.get(viewId);
  else if (externalId) stored = [...ctx.state.viewMap.values()].find((v) => v.externalId === externalId && v.open);
  else
    throw new SlackError('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] view_id or external_id is required'] },
    });
  if (!stored?.open) throw new SlackError('not_found');
  return stored;
}

function trigger(ctx: ApiContext, args: Rec): Trigger {
  return ctx.state.useTrigger(str(args.trigger_id) ?? str(args.interactivity_pointer), ctx.triggerTtlMs);
}

export const METHODS: Record<string, Handler> = {
  'api.test': (args) => ({ args: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, str(v) ?? v])) }),

  'auth.test': (_args, ctx) => ({
    url: `https://${ctx.state.team.domain}.slack.com/`,
    team: DEFAULTS.teamName,
    user: DEFAULTS.botName,
    team_id: ctx.state.team.id,
    user_id: DEFAULTS.botUserId,
    bot_id: DEFAULTS.botId,
    is_enterprise_install: false,
  }),

  'apps.connections.open': (_args, ctx) => ({
    url: `${ctx.url.replace(/^http/, 'ws')}/link/?ticket=${ctx.mintTicket()}&app_id=${DEFAULTS.appId}`,
  }),

  'chat.postMessage': (args, ctx) => {
    const channel = channelOf(ctx, str(args.channel));
    const text = str(args.text);
    const blocks = ctx.state.checkMessageContent(text, args.blocks, {
      requireContent: true,
      attachments: args.attachments,
    });
    const threadTs = ctx.state.threadParent(channel.id, str(args.thread_ts));
    const m = ctx.state.addMessage({
      channel: channel.id,
      text: text ?? '',
      blocks,
      threadTs,
      user: DEFAULTS.botUserId,
      botId: DEFAULTS.botId,
      via: 'chat.postMessage',
      replyBroadcast: threadTs !== null && bool(args.reply_broadcast),
      metadata: args.metadata,
    });
    return { channel: channel.id, ts: m.ts, message: ctx.state.apiMessage(m) };
  },

  'chat.update': (args, ctx) => {
    const channel = channelOf(ctx, str(args.channel));
    const m = messageOf(ctx, channel.id, str(args.ts));
    if (m.botId !== DEFAULTS.botId) throw new SlackError('cant_update_message');
    if (args.text === undefined && args.blocks === undefined && args.attachments === undefined) {
      throw new SlackError('no_text');
    }
    const text = str(args.text);
    const blocks = ctx.state.checkMessageContent(text, args.blocks, { requireContent: false });
    ctx.state.editMessage(m, text, blocks);
    return { channel: channel.id, ts: m.ts, text: m.text, message: ctx.state.apiMessage(m) };
  },

  'chat.delete': (args, ctx) => {
    const channel = channelOf(ctx, str(args.channel));
    const m = messageOf(ctx, channel.id, str(args.ts));
    if (m.botId !== DEFAULTS.botId) throw new SlackError('cant_delete_message');
    ctx.state.deleteMessage(m);
    return { channel: channel.id, ts: m.ts };
  },

  'chat.postEphemeral': (args, ctx) => {
    const channel = channelOf(ctx, str(args.channel));
    const user = required(args, 'user');
    if (!ctx.state.users.has(user)) throw new SlackError('user_not_found');
    const text = str(args.text);
    const blocks = ctx.state.checkMessageContent(text, args.blocks, {
      requireContent: true,
      attachments: args.attachments,
    });
    const e = ctx.state.addEphemeral({
      channel: channel.id,
      user,
      text: text ?? '',
      ...(blocks ? { blocks } : {}),
      threadTs: str(args.thread_ts) ?? null,
      via: 'chat.postEphemeral',
    });
    return { message_ts: e.ts };
  },

  'chat.getPermalink': (args, ctx) => {
    const channel = channelOf(ctx, str(args.channel));
    const m = messageOf(ctx, channel.id, str(args.message_ts));
    const base = `${ctx.url}/archives/${channel.id}/p${m.ts.replace('.', '')}`;
    const permalink = m.threadTs !== null ? `${base}?thread_ts=${m.threadTs}&cid=${channel.id}` : base;
    return { channel: channel.id, permalink };
  },

  'conversations.info': (args, ctx) => ({ channel: ctx.state.channelInfo(channelOf(ctx, str(args.channel))) }),

  'conversations.list': (args, ctx) => {
    const all = [...ctx.state.channels.values()].filter((c) => c.user === null).map((c) => ctx.state.channelInfo(c));
    const { items, nextCursor } = page(all, args);
    return { channels: items, response_metadata: { next_cursor: nextCursor } };
  },

  'conversations.members': (args, ctx) => {
    channelOf(ctx, str(args.channel));
    const { items, nextCursor } = page([...ctx.state.users.keys()], args);
    return { members: items, response_metadata: { next_cursor: nextCursor } };
  },

  'conversations.open': (args, ctx) => {
    const channelArg = str(args.channel);
    if (channelArg) return { channel: { id: channelOf(ctx, channelArg).id } };
    const users = (str(args.users) ?? '').split(',').filter(Boolean);
    if (users.length === 0) throw new SlackError('users_list_not_supplied');
    if (users.length > 1) throw new SlackError('not_supported', { detail: 'the simulator only opens 1:1 DMs' });
    const user = users[0] ?? '';
    if (!ctx.state.users.has(user)) throw new SlackError('user_not_found');
    const existed = ctx.state.channels.has(`D${user.slice(1)}`);
    const dm = ctx.state.dm(user);
    return existed ? { no_op: true, already_open: true, channel: { id: dm.id } } : { channel: { id: dm.id } };
  },

  'conversations.history': (args, ctx) => {
    const channel = channelOf(ctx, str(args.channel));
    const top = ctx.state
      .sortedMessages(channel.id)
      .filter((m) => m.threadTs === null || m.replyBroadcast)
      .filter((m) => inTimeRange(m.ts, args))
      .reverse();
    const { items, nextCursor } = page(top, args);
    return {
      messages: items.map((m) => ctx.state.apiMessage(m)),
      has_more: nextCursor !== '',
      pin_count: 0,
      response_metadata: { next_cursor: nextCursor },
    };
  },

  'conversations.replies': (args, ctx) => {
    const channel = channelOf(ctx, str(args.channel));
    const ts = required(args, 'ts');
    const m = ctx.state.findMessage(channel.id, ts);
    if (!m) throw new SlackError('thread_not_found');
    const thread =
      m.threadTs !== null
        ? [m]
        : [m, ...ctx.state.sortedMessages(channel.id).filter((r) => r.threadTs === m.ts && inTimeRange(r.ts, args))];
    const { items, nextCursor } = page(thread, args, 1000);
    return {
      messages: items.map((x) => ctx.state.apiMessage(x)),
      has_more: nextCursor !== '',
      response_metadata: { next_cursor: nextCursor },
    };
  },

  'users.info': (args, ctx) => {
    const user = ctx.state.users.get(required(args, 'user'));
    if (!user) throw new SlackError('user_not_found');
    return { user: ctx.state.userInfo(user) };
  },

  'users.list': (args, ctx) => {
    const { items, nextCursor } = page([...ctx.state.users.values()], args);
    return {
      members: items.map((u) => ctx.state.userInfo(u)),
      cache_ts: Math.floor(Date.now() / 1000),
      response_metadata: { next_cursor: nextCursor },
    };
  },

  'usergroups.list': (args, ctx) => ({
    usergroups: [...ctx.state.usergroups.values()].map((g) => ({
      id: g.id,
      team_id: ctx.state.team.id,
      is_usergroup: true,
      name: g.handle,
      handle: g.handle,
      description: '',
      user_count: g.users.length,
      ...(bool(args.include_users) ? { users: [...g.users] } : {}),
    })),
  }),

  'usergroups.users.list': (args, ctx) => {
    const group = ctx.state.usergroups.get(required(args, 'usergroup'));
    if (!group) throw new SlackError('no_such_subteam');
    return { users: [...group.users] };
  },

  'views.open': (args, ctx) => {
    const t = trigger(ctx, args);
    return openViewFor(ctx, args.view, t.user, null);
  },

  'views.push': (args, ctx) => {
    const t = trigger(ctx, args);
    const below = t.viewId ? ctx.state.viewMap.get(t.viewId) : undefined;
    if (!below?.open) throw new SlackError('not_found', { detail: 'views.push needs a trigger from a modal' });
    if (ctx.state.stack(below.rootViewId).length >= 3) throw new SlackError('push_limit_reached');
    return openViewFor(ctx, args.view, t.user, below);
  },

  'views.update': (args, ctx) => {
    const stored = findView(ctx, args);
    const hash = str(args.hash);
    if (hash && hash !== stored.hash) throw new SlackError('hash_conflict');
    ctx.state.replaceView(stored, ctx.state.checkView(args.view));
    return { view: structuredClone(stored.view) };
  },

  'files.getUploadURLExternal': (args, ctx) => {
    const filename = required(args, 'filename');
    const length = Number(required(args, 'length'));
    if (!Number.isInteger(length) || length < 0) throw new SlackError('invalid_arguments');
    if (length > 1024 * 1024 * 1024) throw new SlackError('file_upload_size_restricted');
    const id = ctx.state.ids.fileId();
    ctx.state.fileMap.set(id, {
      id,
      channel: null,
      threadTs: null,
      title: filename,
      filename,
      content: '',
      size: 0,
      initialComment: null,
      completed: false,
    });
    return { upload_url: `${ctx.url}/upload/v1/${id}`, file_id: id };
  },

  'files.completeUploadExternal': (args, ctx) => {
    const files = args.files;
    if (!Array.isArray(files) || files.length === 0) throw new SlackError('invalid_arguments');
    const channelId = str(args.channel_id) ?? str(args.channels);
    const channel = channelId ? channelOf(ctx, channelId.split(',')[0]) : null;
    const threadTs = channel ? ctx.state.threadParent(channel.id, str(args.thread_ts)) : null;
    const initialComment = str(args.initial_comment);
    const blocks = channel
      ? ctx.state.checkMessageContent(initialComment, args.blocks, { requireContent: false })
      : undefined;
    const stored = files.map((f) => {
      const id = isRec(f) ? str(f.id) : undefined;
      const file = id ? ctx.state.fileMap.get(id) : undefined;
      if (!file || file.completed) throw new SlackError('file_not_found');
      return { file, title: isRec(f) ? str(f.title) : undefined };
    });
    for (const { file, title } of stored) {
      file.completed = true;
      if (title) file.title = title;
      file.channel = channel?.id ?? null;
      file.threadTs = threadTs;
      file.initialComment = initialComment ?? null;
    }
    if (channel) {
      ctx.state.addMessage({
        channel: channel.id,
        text: initialComment ?? '',
        blocks,
        threadTs,
        user: DEFAULTS.botUserId,
        botId: DEFAULTS.botId,
        via: 'files.completeUploadExternal',
        subtype: 'file_share',
        files: stored.map(({ file }) => file.id),
      });
    }
    return { files: stored.map(({ file }) => ({ id: file.id, title: file.title })) };
  },

  'files.info': (args, ctx) => {
    const file = ctx.state.fileMap.get(required(args, 'file'));
    if (!file?.completed) throw new SlackError('file_not_found');
    return { file: { ...ctx.state.apiFile(file), preview: file.content.slice(0, 1000) }, content: file.content };
  },

  'reactions.add': (args, ctx) => {
    const channel = channelOf(ctx, str(args.channel));
    const m = messageOf(ctx, channel.id, str(args.timestamp));
    const name = required(args, 'name');
    const reaction = m.reactions.find((r) => r.name === name);
    if (reaction?.users.includes(DEFAULTS.botUserId)) throw new SlackError('already_reacted');
    if (reaction) reaction.users.push(DEFAULTS.botUserId);
    else m.reactions.push({ name, users: [DEFAULTS.botUserId] });
    return {};
  },

  'reactions.remove': (args, ctx) => {
    const channel = channelOf(ctx, str(args.channel));
    const m = messageOf(ctx, channel.id, str(args.timestamp));
    const name = required(args, 'name');
    const reaction = m.reactions.find((r) => r.name === name && r.users.includes(DEFAULTS.botUserId));
    if (!reaction) throw new SlackError('no_reaction');
    reaction.users = reaction.users.filter((u) => u !== DEFAULTS.botUserId);
    m.reactions = m.reactions.filter((r) => r.users.length > 0);
    return {};
  },
};
