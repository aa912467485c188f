/** The workspace the simulator serves: channels, users, messages, ephemerals, views, files, triggers, response_urls. */
import { blockErrors, isRec, withBlockIds } from './blocks.js';
import { compareTs, IdMinter, TsClock } from './ids.js';
import type {
  ApiCallRecord,
  SlackSimulatorOptions,
  StoredEphemeral,
  StoredFile,
  StoredMessage,
  StoredView,
} from './types.js';
import { DEFAULTS } from './types.js';

type Rec = Record<string, unknown>;

export interface Channel {
  id: string;
  name: string;
  /** For DMs: the other user. */
  user: string | null;
  created: number;
}

export interface User {
  id: string;
  name: string;
  realName: string;
  isBot: boolean;
}

export interface Usergroup {
  id: string;
  handle: string;
  users: string[];
}

export interface Trigger {
  createdAt: number;
  used: boolean;
  user: string;
  /** The view the interaction came from (views.push needs one). */
  viewId: string | null;
}

export interface ResponseUrl {
  channel: string | null;
  user: string;
  /** The message the interaction came from (replace_original / delete_original). */
  original: { channel: string; ts: string; ephemeral: boolean } | null;
  uses: number;
  createdAt: number;
}

/** A Slack platform error: answered as `{ ok: false, error, ...extra }`. */
export class SlackError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Rec = {},
  ) {
    super(error);
  }
}

export const MAX_MESSAGE_TEXT = 40_000;
const MAX_VIEW_BYTES = 250 * 1024;

export class SlackState {
  readonly clock = new TsClock();
  readonly ids = new IdMinter();
  readonly team: { id: string; domain: string };
  readonly channels = new Map<string, Channel>();
  readonly users = new Map<string, User>();
  readonly usergroups = new Map<string, Usergroup>();
  messageList: StoredMessage[] = [];
  ephemeralList: StoredEphemeral[] = [];
  readonly viewMap = new Map<string, StoredView>();
  readonly fileMap = new Map<string, StoredFile>();
  readonly triggers = new Map<string, Trigger>();
  readonly responseUrls = new Map<string, ResponseUrl>();
  readonly calls: ApiCallRecord[] = [];
  blockMode: 'causa' | 'slack';
  /** http://127.0.0.1:PORT, set once listening. */
  baseUrl = '';

  constructor(opts: SlackSimulatorOptions) {
    this.team = { ...(opts.team ?? DEFAULTS.team) };
    this.blockMode = opts.blockValidation ?? 'causa';
    const created = Math.floor(Date.now() / 1000) - 86_400;
    for (const c of opts.channels ?? DEFAULTS.channels) this.channels.set(c.id, { ...c, user: null, created });
    for (const u of opts.users ?? DEFAULTS.users) {
      this.users.set(u.id, { id: u.id, name: u.name, realName: u.realName ?? u.name, isBot: false });
    }
    this.users.set(DEFAULTS.botUserId, {
      id: DEFAULTS.botUserId,
      name: DEFAULTS.botName,
      realName: 'Causa',
      isBot: true,
    });
    for (const g of opts.usergroups ?? DEFAULTS.usergroups) this.usergroups.set(g.id, { ...g, users: [...g.users] });
  }

  reset(): void {
    this.messageList = [];
    this.ephemeralList = [];
    this.viewMap.clear();
    this.fileMap.clear();
    this.triggers.clear();
    this.responseUrls.clear();
    this.calls.length = 0;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Channels and users

  /** A channel by id, `#name` or name; a user id resolves to (and creates) the DM with that user. */
  resolveChannel(ref: string | undefined): Channel | undefined {
    if (!ref) return undefined;
    const byId = this.channels.get(ref);
    if (byId) return byId;
    const name = ref.startsWith('#') ? ref.slice(1) : ref;
    for (const c of this.channels.values()) if (c.user === null && c.name === name) return c;
    const user = this.users.get(ref);
    if (user) return this.dm(user.id);
    return undefined;
  }

  dm(userId: string): Channel {
    const id = `D${userId.slice(1)}`;
    let channel = this.channels.get(id);
    if (!channel) {
      channel = { id, name: id, user: userId, created: Math.floor(Date.now() / 1000) };
      this.channels.set(id, channel);
    }
    return channel;
  }

  channelInfo(c: Channel): Rec {
    if (c.user !== null) {
      return { id: c.id, created: c.created, is_im: true, is_org_shared: false, user: c.user, is_user_deleted: false };
    }
    return {
      id: c.id,
      name: c.name,
      name_normalized: c.name,
      is_channel: true,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: false,
      is_archived: false,
      is_general: false,
      is_shared: false,
      is_org_shared: false,
      is_ext_shared: false,
      is_member: true,
      created: c.created,
      creator: [...this.users.keys()][0] ?? '',
      context_team_id: this.team.id,
      num_members: this.users.size,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
    };
  }

  userInfo(u: User): Rec {
    return {
      id: u.id,
      team_id: this.team.id,
      name: u.name,
      deleted: false,
      real_name: u.realName,
      tz: 'UTC',
      tz_label: 'Coordinated Universal Time',
      tz_offset: 0,
      is_admin: false,
      is_owner: false,
      is_bot: u.isBot,
      is_app_user: false,
      updated: Math.floor(Date.now() / 1000),
      profile: {
        display_name: u.name,
        display_name_normalized: u.name,
        real_name: u.realName,
        real_name_normalized: u.realName,
        email: u.isBot ? undefined : `${u.name}@${this.team.domain}.example`,
        team: this.team.id,
        ...(u.isBot ? { bot_id: DEFAULTS.botId } : {}),
      },
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Content checks shared by chat.*, response_url and acks

  /**
   * Validates message content; returns the blocks to store (with block_ids), or undefined when none were given.
   * `requireContent`: text or blocks must be present (`no_text`).
   */
  checkMessageContent(
    text: string | undefined,
    blocks: unknown,
    opts: { requireContent: boolean; attachments?: unknown },
  ): unknown[] | undefined {
    if (blocks !== undefined && !Array.isArray(blocks)) throw new SlackError('invalid_blocks_format');
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    const hasAttachments = Array.isArray(opts.attachments) && opts.attachments.length > 0;
    if (opts.requireContent && (text === undefined || text === '') && !hasBlocks && !hasAttachments) {
      throw new SlackError('no_text');
    }
    if (text !== undefined && text.length > MAX_MESSAGE_TEXT) throw new SlackError('msg_too_long');
    if (!Array.isArray(blocks)) return undefined;
    if (blocks.length === 0) return [];
    const errors = blockErrors(blocks, { maxBlocks: 50, mode: this.blockMode });
    if (errors.length > 0) throw new SlackError('invalid_blocks', { response_metadata: { messages: errors } });
    return withBlockIds(blocks, () => this.ids.blockId());
  }

  // -------------------------------------------------------------------------------------------------------------
  // Messages

  findMessage(channel: string, ts: string): StoredMessage | undefined {
    return this.messageList.find((m) => m.channel === channel && m.ts === ts);
  }

  addMessage(m: {
    channel: string;
    text: string;
    blocks: unknown[] | undefined;
    threadTs: string | null;
    user: string;
    botId: string | null;
    via: string;
    replyBroadcast?: boolean;
    metadata?: unknown;
    subtype?: string;
    files?: string[];
  }): StoredMessage {
    const stored: StoredMessage = {
      channel: m.channel,
      ts: this.clock.next(),
      threadTs: m.threadTs,
      text: m.text,
      user: m.user,
      botId: m.botId,
      subtype: m.subtype ?? null,
      replyBroadcast: m.replyBroadcast ?? false,
      edits: 0,
      history: [],
      replyCount: 0,
      files: m.files ?? [],
      reactions: [],
      via: m.via,
      postedAt: Date.now(),
    };
    if (m.blocks && m.blocks.length > 0) stored.blocks = m.blocks;
    if (m.metadata !== undefined) stored.metadata = m.metadata;
    if (m.threadTs !== null) {
      const parent = this.findMessage(m.channel, m.threadTs);
      if (parent) parent.replyCount += 1;
    }
    this.messageList.push(stored);
    return stored;
  }

  /** Resolves `thread_ts` to an existing top-level message of the channel (`thread_not_found` otherwise). */
  threadParent(channel: string, threadTs: string | undefined): string | null {
    if (threadTs === undefined || threadTs === '') return null;
    const parent = this.findMessage(channel, threadTs);
    if (!parent || parent.threadTs !== null) throw new SlackError('thread_not_found');
    return parent.ts;
  }

  editMessage(m: StoredMessage, text: string | undefined, blocks: unknown[] | undefined): void {
    const previous: StoredMessage['history'][number] = { text: m.text, at: Date.now() };
    if (m.blocks) previous.blocks = m.blocks;
    m.history.push(previous);
    m.edits += 1;
    if (text !== undefined) m.text = text;
    if (blocks !== undefined) {
      if (blocks.length === 0) delete m.blocks;
      else m.blocks = blocks;
    }
  }

  deleteMessage(m: StoredMessage): void {
    this.messageList = this.messageList.filter((x) => x !== m);
    if (m.threadTs !== null) {
      const parent = this.findMessage(m.channel, m.threadTs);
      if (parent) parent.replyCount = Math.max(0, parent.replyCount - 1);
    }
  }

  sortedMessages(channel?: string): StoredMessage[] {
    return this.messageList
      .filter((m) => channel === undefined || m.channel === channel)
      .sort((a, b) => compareTs(a.ts, b.ts));
  }

  /** A message as the Web API and interaction payloads show it. */
  apiMessage(m: StoredMessage): Rec {
    const out: Rec = { type: 'message' };
    if (m.subtype) out.subtype = m.subtype;
    out.text = m.text;
    out.user = m.user;
    if (m.botId) {
      out.bot_id = m.botId;
      out.app_id = DEFAULTS.appId;
      out.bot_profile = {
        id: m.botId,
        app_id: DEFAULTS.appId,
        name: DEFAULTS.botName,
        deleted: false,
        team_id: this.team.id,
      };
    }
    out.ts = m.ts;
    out.team = this.team.id;
    if (m.blocks) out.blocks = structuredClone(m.blocks);
    if (m.threadTs !== null) {
      out.thread_ts = m.threadTs;
      const parent = this.findMessage(m.channel, m.threadTs);
      if (parent) out.parent_user_id = parent.user;
    } else if (m.replyCount > 0) {
      const replies = this.messageList.filter((r) => r.channel === m.channel && r.threadTs === m.ts);
      const replyUsers = [...new Set(replies.map((r) => r.user))];
      out.thread_ts = m.ts;
      out.reply_count = m.replyCount;
      out.reply_users_count = replyUsers.length;
      out.reply_users = replyUsers;
      out.latest_reply =
        replies
          .map((r) => r.ts)
          .sort(compareTs)
          .at(-1) ?? m.ts;
      out.is_locked = false;
      out.subscribed = false;
    }
    const lastEdit = m.history.at(-1);
    if (lastEdit) out.edited = { user: m.user, ts: `${Math.floor(lastEdit.at / 1000)}.000000` };
    if (m.files.length > 0) {
      out.files = m.files.map((id) => {
        const f = this.fileMap.get(id);
        return f ? this.apiFile(f) : { id };
      });
      out.upload = true;
    }
    if (m.reactions.length > 0) {
      out.reactions = m.reactions.map((r) => ({ name: r.name, users: [...r.users], count: r.users.length }));
    }
    if (m.metadata !== undefined) out.metadata = structuredClone(m.metadata);
    return out;
  }

  addEphemeral(e: Omit<StoredEphemeral, 'ts' | 'deleted'>): StoredEphemeral {
    const stored: StoredEphemeral = { ...e, ts: this.clock.next(), deleted: false };
    if (stored.blocks === undefined || stored.blocks.length === 0) delete stored.blocks;
    this.ephemeralList.push(stored);
    return stored;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Views

  /** Checks a view object (views.open/update/push, response_action update/push). */
  checkView(view: unknown): Rec {
    if (!isRec(view))
      throw new SlackError('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] view is required [json-pointer:/view]'] },
      });
    const problems: string[] = [];
    const plain = (v: unknown, key: string, required: boolean): void => {
      if (v === undefined) {
        if (required) problems.push(`[ERROR] missing required field: ${key} [json-pointer:/view/${key}]`);
        return;
      }
      if (!isRec(v) || v.type !== 'plain_text' || typeof v.text !== 'string' || v.text === '') {
        problems.push(`[ERROR] must be a plain_text object [json-pointer:/view/${key}]`);
      } else if (v.text.length > 24) {
        problems.push(`[ERROR] must be less than 25 characters [json-pointer:/view/${key}/text]`);
      }
    };
    if (view.type !== 'modal' && view.type !== 'home') {
      problems.push(`[ERROR] must be one of modal, home [json-pointer:/view/type]`);
    }
    if (view.type === 'modal') {
      plain(view.title, 'title', true);
      plain(view.submit, 'submit', false);
      plain(view.close, 'close', false);
      const hasInputs = Array.isArray(view.blocks) && view.blocks.some((b) => isRec(b) && b.type === 'input');
      if (hasInputs && view.submit === undefined) {
        problems.push('[ERROR] submit is required when the view has input blocks [json-pointer:/view/submit]');
      }
    }
    if (view.callback_id !== undefined && (typeof view.callback_id !== 'string' || view.callback_id.length > 255)) {
      problems.push('[ERROR] must be a string of at most 255 characters [json-pointer:/view/callback_id]');
    }
    if (
      view.private_metadata !== undefined &&
      (typeof view.private_metadata !== 'string' || view.private_metadata.length > 3000)
    ) {
      problems.push('[ERROR] must be a string of at most 3000 characters [json-pointer:/view/private_metadata]');
    }
    if (!Array.isArray(view.blocks))
      problems.push('[ERROR] missing required field: blocks [json-pointer:/view/blocks]');
    if (problems.length > 0) throw new SlackError('invalid_arguments', { response_metadata: { messages: problems } });
    if (Buffer.byteLength(JSON.stringify(view)) > MAX_VIEW_BYTES) throw new SlackError('view_too_large');
    const blocks = view.blocks as unknown[];
    if (blocks.length > 0) {
      const errors = blockErrors(blocks, { maxBlocks: 100, mode: this.blockMode, prefix: '/view' });
      if (errors.length > 0) throw new SlackError('invalid_blocks', { response_metadata: { messages: errors } });
    }
    return { ...view, blocks: withBlockIds(blocks, () => this.ids.blockId()) };
  }

  private viewObject(v: StoredView, input: Rec): Rec {
    return {
      id: v.id,
      team_id: this.team.id,
      type: input.type,
      blocks: structuredClone(v.blocks),
      private_metadata: v.privateMetadata,
      callback_id: v.callbackId ?? '',
      state: { values: {} },
      hash: v.hash,
      title: input.title,
      clear_on_close: input.clear_on_close === true,
      notify_on_close: input.notify_on_close === true,
      close: input.close ?? null,
      submit: input.submit ?? null,
      previous_view_id: v.previousViewId,
      root_view_id: v.rootViewId,
      app_id: DEFAULTS.appId,
      external_id: v.externalId ?? '',
      app_installed_team_id: this.team.id,
      bot_id: DEFAULTS.botId,
    };
  }

  /** Stores a checked view (see `checkView`) as a new open view. */
  openView(checked: Rec, user: string, previous: StoredView | null): StoredView {
    const id = this.ids.viewId();
    const now = Date.now();
    const stored: StoredView = {
      id,
      hash: this.ids.hash(),
      type: String(checked.type),
      callbackId: typeof checked.callback_id === 'string' ? checked.callback_id : null,
      externalId: typeof checked.external_id === 'string' ? checked.external_id : null,
      privateMetadata: typeof checked.private_metadata === 'string' ? checked.private_metadata : '',
      title: checked.title,
      submit: checked.submit,
      close: checked.close,
      blocks: checked.blocks as unknown[],
      view: {},
      user,
      rootViewId: previous?.rootViewId ?? id,
      previousViewId: previous?.id ?? null,
      open: true,
      updates: 0,
      submissions: 0,
      openedAt: now,
      updatedAt: now,
    };
    stored.view = this.viewObject(stored, checked);
    this.viewMap.set(id, stored);
    return stored;
  }

  /** Replaces a view's content with a checked view; new hash. */
  replaceView(stored: StoredView, checked: Rec): void {
    stored.hash = this.ids.hash();
    stored.type = String(checked.type);
    stored.callbackId = typeof checked.callback_id === 'string' ? checked.callback_id : null;
    if (typeof checked.external_id === 'string') stored.externalId = checked.external_id;
    stored.privateMetadata = typeof checked.private_metadata === 'string' ? checked.private_metadata : '';
    stored.title = checked.title;
    stored.submit = checked.submit;
    stored.close = checked.close;
    stored.blocks = checked.blocks as unknown[];
    stored.updates += 1;
    stored.updatedAt = Date.now();
    delete stored.errors;
    stored.view = this.viewObject(stored, checked);
  }

  /** The open views stacked on `root`, bottom first. */
  stack(rootViewId: string): StoredView[] {
    return [...this.viewMap.values()].filter((v) => v.rootViewId === rootViewId && v.open);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Triggers and response_urls

  mintTrigger(user: string, viewId: string | null = null): string {
    const id = this.ids.triggerId();
    this.triggers.set(id, { createdAt: Date.now(), used: false, user, viewId });
    return id;
  }

  /** Consumes a trigger_id (`invalid_trigger_id`, `exchanged_trigger_id`, `expired_trigger_id`). */
  useTrigger(id: string | undefined, ttlMs: number): Trigger {
    const trigger = id === undefined ? undefined : this.triggers.get(id);
    if (!trigger) throw new SlackError('invalid_trigger_id');
    if (trigger.used) throw new SlackError('exchanged_trigger_id');
    if (Date.now() - trigger.createdAt > ttlMs) throw new SlackError('expired_trigger_id');
    trigger.used = true;
    return trigger;
  }

  mintResponseUrl(r: Omit<ResponseUrl, 'uses' | 'createdAt'>): string {
    const id = this.ids.responseUrlId();
    this.responseUrls.set(id, { ...r, uses: 0, createdAt: Date.now() });
    return `${this.baseUrl}/respond/${id}`;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Files

  apiFile(f: StoredFile): Rec {
    return {
      id: f.id,
      created: Math.floor(Date.now() / 1000),
      timestamp: Math.floor(Date.now() / 1000),
      name: f.filename,
      title: f.title,
      mimetype: 'text/plain',
      filetype: 'text',
      pretty_type: 'Plain Text',
      user: DEFAULTS.botUserId,
      user_team: this.team.id,
      size: f.size,
      mode: 'snippet',
      is_external: false,
      is_public: f.channel !== null,
      url_private: `${this.baseUrl}/files/${f.id}/${encodeURIComponent(f.filename)}`,
      channels: f.channel ? [f.channel] : [],
    };
  }
}
