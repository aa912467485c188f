/**
 * The Slack simulator: one HTTP server (127.0.0.1) serving the Web API (`/api/<method>`), file upload URLs
 * (`/upload/v1/<id>`), response_urls (`/respond/<id>`) and Socket Mode (`/link/?ticket=…`), plus the drivers that act
 * like a user (slash commands, button clicks, modal submissions) and deliver to the app by socket or signed HTTP.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findAction, isRec, viewState } from './blocks.js';
import {
  ArgsError,
  BodyTooLarge,
  parseArgs,
  parseMultipart,
  readBody,
  sendJson,
  sendText,
  signSlackRequest,
  str,
} from './http.js';
import { RateLimiter } from './rate-limit.js';
import { SocketHub } from './socket.js';
import { SlackError, SlackState } from './state.js';
import type {
  ApiCallRecord,
  DeliveryResult,
  SlackSimulator,
  SlackSimulatorOptions,
  StoredEphemeral,
  StoredFile,
  StoredMessage,
  StoredView,
} from './types.js';
import { DEFAULTS } from './types.js';
import { APP_TOKEN_METHODS, type ApiContext, METHODS } from './web-api.js';

type Rec = Record<string, unknown>;

const RESPONSE_URL_MAX_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

function redactArgs(args: Rec): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(args)) {
    if (k === 'token') continue;
    out[k] = Buffer.isBuffer(v) ? `<${v.length} bytes>` : structuredClone(v);
  }
  return out;
}

function parseJsonOrText(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

class Simulator implements SlackSimulator {
  url = '';
  apiUrl = '';
  readonly botToken: string;
  readonly appToken: string;
  readonly signingSecret: string;
  readonly team: { id: string; domain: string };
  readonly bot = { userId: DEFAULTS.botUserId, botId: DEFAULTS.botId, appId: DEFAULTS.appId };
  readonly state: SlackState;
  readonly calls: ApiCallRecord[];
  private readonly limiter: RateLimiter;
  private readonly hub: SocketHub;
  private readonly ackTimeoutMs: number;
  private readonly triggerTtlMs: number;
  private httpEndpoint: string | null = null;
  readonly server: Server;

  constructor(opts: SlackSimulatorOptions) {
    this.botToken = opts.botToken ?? DEFAULTS.botToken;
    this.appToken = opts.appToken ?? DEFAULTS.appToken;
    this.signingSecret = opts.signingSecret ?? DEFAULTS.signingSecret;
    this.state = new SlackState(opts);
    this.team = this.state.team;
    this.calls = this.state.calls;
    this.limiter = new RateLimiter(opts.rateLimits ?? 'off');
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 3000;
    this.triggerTtlMs = opts.triggerTtlMs ?? 3000;
    this.hub = new SocketHub(this.state.ids, DEFAULTS.appId, this.ackTimeoutMs);
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          if (err instanceof BodyTooLarge) sendText(res, 413, 'request_too_large');
          else sendJson(res, 500, { ok: false, error: 'internal_error', detail: String(err) });
        } else res.destroy();
      });
    });
    this.server.on('upgrade', (req, socket, head) => this.hub.handleUpgrade(req, socket, head));
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}`;
    this.apiUrl = `${this.url}/api/`;
    this.state.baseUrl = this.url;
  }

  // -------------------------------------------------------------------------------------------------------------
  // HTTP routes

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const path = url.pathname;
    const api = /^\/api\/([A-Za-z0-9._]+)$/.exec(path);
    if (api && (req.method === 'POST' || req.method === 'GET')) {
      await this.handleApi(api[1] ?? '', req, res, url.searchParams);
      return;
    }
    const upload = /^\/upload\/v1\/([A-Za-z0-9]+)$/.exec(path);
    if (upload && req.method === 'POST') {
      await this.handleUpload(upload[1] ?? '', req, res);
      return;
    }
    const respond = /^\/respond\/([A-Za-z0-9]+)$/.exec(path);
    if (respond && req.method === 'POST') {
      await this.handleRespond(respond[1] ?? '', req, res);
      return;
    }
    if (path === '/_sim/state' && req.method === 'GET') {
      sendJson(res, 200, {
        messages: this.messages(),
        ephemerals: this.ephemerals(),
        views: this.views(),
        files: this.files(),
        connectedSockets: this.connectedSockets(),
      });
      return;
    }
    if (path.startsWith('/archives/') && req.method === 'GET') {
      sendText(res, 200, `Causa Slack simulator: ${path}`);
      return;
    }
    if (path === '/' && req.method === 'GET') {
      sendText(res, 200, 'Causa Slack simulator. Web API at /api/<method>.');
      return;
    }
    sendText(res, 404, 'not_found');
  }

  private async handleApi(
    method: string,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
  ): Promise<void> {
    const body = await readBody(req);
    const at = Date.now();
    const fail = (args: Rec, error: string, extra: Rec = {}): void => {
      this.calls.push({ method, args: redactArgs(args), ok: false, error, at });
      sendJson(res, 200, { ok: false, error, ...extra });
    };
    let args: Rec;
    try {
      args = await parseArgs(req, body, query);
    } catch (err) {
      if (!(err instanceof ArgsError)) throw err;
      const error =
        err.field === 'blocks'
          ? 'invalid_blocks_format'
          : err.field === 'body'
            ? 'invalid_json'
            : err.field === 'attachments'
              ? 'invalid_attachments'
              : 'invalid_arguments';
      fail({}, error, { response_metadata: { messages: [`[ERROR] ${err.message}`] } });
      return;
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? str(args.token);
    const handler = METHODS[method];
    if (!handler) {
      fail(args, 'unknown_method');
      return;
    }
    const wantApp = APP_TOKEN_METHODS.has(method);
    if (token === undefined || token === '') {
      fail(args, 'not_authed');
      return;
    }
    if (token !== (wantApp ? this.appToken : this.botToken)) {
      fail(args, token === (wantApp ? this.botToken : this.appToken) ? 'not_allowed_token_type' : 'invalid_auth');
      return;
    }
    const channelKey = this.state.resolveChannel(str(args.channel))?.id ?? str(args.channel);
    const retryAfter = this.limiter.check(method, channelKey, at);
    if (retryAfter !== undefined) {
      this.calls.push({ method, args: redactArgs(args), ok: false, error: 'ratelimited', at });
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(retryAfter) });
      return;
    }
    const injected = this.limiter.takeFailure(method);
    if (injected !== undefined) {
      fail(args, injected);
      return;
    }
    const ctx: ApiContext = {
      state: this.state,
      url: this.url,
      mintTicket: () => this.hub.mintTicket(),
      triggerTtlMs: this.triggerTtlMs,
    };
    try {
      const result = handler(args, ctx);
      this.calls.push({ method, args: redactArgs(args), ok: true, at });
      sendJson(res, 200, { ok: true, ...result });
    } catch (err) {
      if (!(err instanceof SlackError)) throw err;
      fail(args, err.error, err.extra);
    }
  }

  private async handleUpload(fileId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const file = this.state.fileMap.get(fileId);
    if (!file || file.completed) {
      sendText(res, 404, 'file_not_found');
      return;
    }
    let data = body;
    if ((req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data')) {
      const parts = await parseMultipart(req, body);
      const part = parts.find((p) => p.filename !== null) ?? parts[0];
      if (!part) {
        sendText(res, 400, 'no_file_data');
        return;
      }
      data = part.data;
    }
    file.content = data.toString('utf8');
    file.size = data.length;
    sendText(res, 200, `OK - ${data.length}`);
  }

  /** response_url: ephemeral / in_channel responses, replace_original, delete_original; 5 uses within 30 min. */
  private async handleRespond(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const rec = this.state.responseUrls.get(id);
    if (!rec) {
      sendText(res, 404, 'no_service');
      return;
    }
    if (Date.now() - rec.createdAt > RESPONSE_URL_TTL_MS) {
      sendText(res, 404, 'expired_url');
      return;
    }
    if (rec.uses >= RESPONSE_URL_MAX_USES) {
      sendText(res, 404, 'used_url');
      return;
    }
    rec.uses += 1;
    let msg: Rec;
    try {
      const args = await parseArgs(req, body, new URLSearchParams());
      const payload = typeof args.payload === 'string' ? (JSON.parse(args.payload) as unknown) : args;
      if (!isRec(payload)) throw new Error('not an object');
      msg = payload;
    } catch {
      sendText(res, 400, 'invalid_payload');
      return;
    }
    try {
      this.applyResponse(rec.channel, rec.user, rec.original, msg, 'response_url');
    } catch (err) {
      if (!(err instanceof SlackError)) throw err;
      sendJson(res, 400, { ok: false, error: err.error, ...err.extra });
      return;
    }
    sendJson(res, 200, { ok: true });
  }

  /** A response (response_url body or a slash-command ack body) applied to the workspace. */
  private applyResponse(
    channel: string | null,
    user: string,
    original: { channel: string; ts: string; ephemeral: boolean } | null,
    msg: Rec,
    via: string,
  ): void {
    const text = str(msg.text);
    const truthy = (v: unknown): boolean => v === true || v === 'true';
    if (truthy(msg.delete_original)) {
      if (!original) throw new SlackError('no_original_message');
      if (original.ephemeral) {
        const e = this.findEphemeral(original.channel, original.ts);
        if (e) e.deleted = true;
      } else {
        const m = this.state.findMessage(original.channel, original.ts);
        if (!m) throw new SlackError('message_not_found');
        this.state.deleteMessage(m);
      }
      return;
    }
    if (truthy(msg.replace_original) && original) {
      if (text === undefined && msg.blocks === undefined) throw new SlackError('no_text');
      const blocks = this.state.checkMessageContent(text, msg.blocks, { requireContent: false });
      if (original.ephemeral) {
        const e = this.findEphemeral(original.channel, original.ts);
        if (!e) throw new SlackError('message_not_found');
        if (text !== undefined) e.text = text;
        if (blocks !== undefined) {
          if (blocks.length > 0) e.blocks = blocks;
          else delete e.blocks;
        }
        return;
      }
      const m = this.state.findMessage(original.channel, original.ts);
      if (!m) throw new SlackError('message_not_found');
      this.state.editMessage(m, text, blocks);
      return;
    }
    const blocks = this.state.checkMessageContent(text, msg.blocks, {
      requireContent: true,
      attachments: msg.attachments,
    });
    const target = channel ?? original?.channel;
    if (!target) throw new SlackError('channel_not_found');
    const threadArg = str(msg.thread_ts);
    if (msg.response_type === 'in_channel') {
      this.state.addMessage({
        channel: target,
        text: text ?? '',
        blocks,
        threadTs: this.state.threadParent(target, threadArg),
        user: DEFAULTS.botUserId,
        botId: DEFAULTS.botId,
        via,
      });
    } else {
      this.state.addEphemeral({
        channel: target,
        user,
        text: text ?? '',
        ...(blocks ? { blocks } : {}),
        threadTs: threadArg ?? null,
        via,
      });
    }
  }

  private findEphemeral(channel: string, ts: string): StoredEphemeral | undefined {
    return this.state.ephemeralList.find((e) => e.channel === channel && e.ts === ts && !e.deleted);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Delivery

  private async deliver(
    kind: 'slash_commands' | 'interactive' | 'events_api',
    payload: Rec,
    acceptsResponsePayload: boolean,
  ): Promise<DeliveryResult> {
    if (this.httpEndpoint === null) {
      const outcome = await this.hub.deliver(kind, payload, acceptsResponsePayload);
      const result: DeliveryResult = { acked: outcome.acked, ackPayload: outcome.ackPayload, payload };
      if (outcome.error !== undefined) result.error = outcome.error;
      if (outcome.envelopeId !== undefined) result.envelopeId = outcome.envelopeId;
      return result;
    }
    let body: string;
    let contentType: string;
    if (kind === 'events_api') {
      body = JSON.stringify(payload);
      contentType = 'application/json';
    } else if (kind === 'slash_commands') {
      body = new URLSearchParams(Object.entries(payload).map(([k, v]): [string, string] => [k, String(v)])).toString();
      contentType = 'application/x-www-form-urlencoded';
    } else {
      body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      contentType = 'application/x-www-form-urlencoded';
    }
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const res = await fetch(this.httpEndpoint, {
        method: 'POST',
        headers: {
          'Content-Type': contentType,
          'X-Slack-Request-Timestamp': String(timestamp),
          'X-Slack-Signature': signSlackRequest(this.signingSecret, timestamp, body),
          'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
        },
        body,
        signal: AbortSignal.timeout(this.ackTimeoutMs + 1500),
      });
      const text = await res.text();
      const parsed = parseJsonOrText(text);
      const result: DeliveryResult = {
        acked: res.status === 200,
        ackPayload: typeof parsed === 'object' && parsed !== null ? parsed : undefined,
        status: res.status,
        responseBody: parsed,
        payload,
      };
      if (res.status !== 200) result.error = `http_status_${res.status}`;
      return result;
    } catch (err) {
      return { acked: false, ackPayload: undefined, error: `http_error: ${String(err)}`, payload };
    }
  }

  private user(id: string | undefined, fallback?: string): { id: string; name: string } {
    const userId = id ?? fallback ?? [...this.state.users.values()].find((u) => !u.isBot)?.id ?? '';
    const user = this.state.users.get(userId);
    if (!user) throw new Error(`Slack simulator: unknown user ${userId}`);
    return { id: user.id, name: user.name };
  }

  private userObject(u: { id: string; name: string }): Rec {
    return { id: u.id, username: u.name, name: u.name, team_id: this.team.id };
  }

  private common(): Rec {
    return { api_app_id: DEFAULTS.appId, token: DEFAULTS.verificationToken };
  }

  async slashCommand(opts: {
    command: string;
    text: string;
    user?: string;
    channel?: string;
  }): Promise<DeliveryResult> {
    const user = this.user(opts.user);
    const channelRef = opts.channel ?? [...this.state.channels.values()][0]?.id;
    const channel = this.state.resolveChannel(channelRef);
    if (!channel) throw new Error(`Slack simulator: unknown channel ${String(channelRef)}`);
    if (!opts.command.startsWith('/'))
      throw new Error(`Slack simulator: a command starts with / (got ${opts.command})`);
    const payload: Rec = {
      token: DEFAULTS.verificationToken,
      team_id: this.team.id,
      team_domain: this.team.domain,
      channel_id: channel.id,
      channel_name: channel.user === null ? channel.name : 'directmessage',
      user_id: user.id,
      user_name: user.name,
      command: opts.command,
      text: opts.text,
      api_app_id: DEFAULTS.appId,
      is_enterprise_install: 'false',
      response_url: this.state.mintResponseUrl({ channel: channel.id, user: user.id, original: null }),
      trigger_id: this.state.mintTrigger(user.id),
    };
    const result = await this.deliver('slash_commands', payload, true);
    if (result.acked && isRec(result.ackPayload)) {
      const ack = result.ackPayload;
      if (ack.text !== undefined || ack.blocks !== undefined) {
        try {
          this.applyResponse(
            channel.id,
            user.id,
            null,
            { ...ack, delete_original: false, replace_original: false },
            'ack',
          );
        } catch (err) {
          if (!(err instanceof SlackError)) throw err;
          result.error = `ack_rejected: ${err.error}`;
        }
      }
    }
    return result;
  }

  async clickButton(opts: {
    channel: string;
    messageTs: string;
    actionId: string;
    value?: string;
    user?: string;
  }): Promise<DeliveryResult> {
    const channel = this.state.resolveChannel(opts.channel);
    if (!channel) throw new Error(`Slack simulator: unknown channel ${opts.channel}`);
    const message = this.state.findMessage(channel.id, opts.messageTs);
    const ephemeral = message ? undefined : this.findEphemeral(channel.id, opts.messageTs);
    if (!message && !ephemeral) {
      throw new Error(`Slack simulator: no message ${opts.messageTs} in ${channel.id} to click ${opts.actionId} on`);
    }
    const blocks = message?.blocks ?? ephemeral?.blocks ?? [];
    const hit = findAction(blocks, opts.actionId);
    if (!hit) {
      const ids = blocks.flatMap((b) =>
        isRec(b) && Array.isArray(b.elements) ? b.elements.map((e) => (isRec(e) ? String(e.action_id) : '')) : [],
      );
      throw new Error(
        `Slack simulator: message ${opts.messageTs} has no element with action_id ${opts.actionId} (has: ${ids.join(', ') || 'none'})`,
      );
    }
    const user = this.user(opts.user, ephemeral?.user);
    if (ephemeral && ephemeral.user !== user.id) {
      throw new Error(`Slack simulator: ephemeral ${opts.messageTs} is only visible to ${ephemeral.user}`);
    }
    const { el, block } = hit;
    const actionTs = this.state.clock.next();
    let action: Rec;
    if (el.type === 'button') {
      action = { type: 'button', action_id: el.action_id, block_id: block.block_id, text: el.text };
      const value = opts.value ?? str(el.value);
      if (value !== undefined) action.value = value;
      if (el.style !== undefined) action.style = el.style;
      action.action_ts = actionTs;
    } else {
      const options = Array.isArray(el.options) ? el.options.filter(isRec) : [];
      const picked = options.find((o) => o.value === opts.value) ?? options[0] ?? { value: opts.value ?? '' };
      action = {
        type: el.type,
        action_id: el.action_id,
        block_id: block.block_id,
        selected_option: picked,
        action_ts: actionTs,
      };
    }
    const threadTs = message?.threadTs ?? ephemeral?.threadTs ?? null;
    const container: Rec = {
      type: 'message',
      message_ts: opts.messageTs,
      channel_id: channel.id,
      is_ephemeral: ephemeral !== undefined,
    };
    if (threadTs !== null) container.thread_ts = threadTs;
    const payload: Rec = {
      type: 'block_actions',
      user: this.userObject(user),
      ...this.common(),
      container,
      trigger_id: this.state.mintTrigger(user.id),
      team: { ...this.team },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: channel.id, name: channel.user === null ? channel.name : 'directmessage' },
    };
    if (message) payload.message = this.state.apiMessage(message);
    payload.state = { values: {} };
    payload.response_url = this.state.mintResponseUrl({
      channel: channel.id,
      user: user.id,
      original: { channel: channel.id, ts: opts.messageTs, ephemeral: ephemeral !== undefined },
    });
    payload.actions = [action];
    return this.deliver('interactive', payload, false);
  }

  async submitView(opts: {
    viewId: string;
    user?: string;
    values?: Record<string, Record<string, unknown>>;
  }): Promise<DeliveryResult> {
    const view = this.state.viewMap.get(opts.viewId);
    if (!view?.open) throw new Error(`Slack simulator: no open view ${opts.viewId}`);
    const user = this.user(opts.user, view.user);
    if (user.id !== view.user)
      throw new Error(`Slack simulator: view ${view.id} is shown to ${view.user}, not ${user.id}`);
    const state = viewState(view.blocks, opts.values);
    if (state.missing.length > 0) {
      throw new Error(
        `Slack simulator: the Slack client refuses to submit: required inputs empty: ${state.missing.join(', ')}`,
      );
    }
    const payload: Rec = {
      type: 'view_submission',
      team: { ...this.team },
      user: this.userObject(user),
      ...this.common(),
      trigger_id: this.state.mintTrigger(user.id, view.id),
      view: { ...structuredClone(view.view), state: { values: state.values } },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    const result = await this.deliver('interactive', payload, true);
    if (!result.acked) return result;
    view.submissions += 1;
    const ack = isRec(result.ackPayload) ? result.ackPayload : {};
    try {
      switch (ack.response_action) {
        case 'errors':
          view.errors = isRec(ack.errors) ? (structuredClone(ack.errors) as Record<string, string>) : {};
          break;
        case 'update':
          this.state.replaceView(view, this.state.checkView(ack.view));
          break;
        case 'push':
          if (this.state.stack(view.rootViewId).length >= 3) throw new SlackError('push_limit_reached');
          this.state.openView(this.state.checkView(ack.view), view.user, view);
          break;
        case 'clear':
          for (const v of this.state.stack(view.rootViewId)) v.open = false;
          break;
        default:
          view.open = false;
      }
    } catch (err) {
      if (!(err instanceof SlackError)) throw err;
      result.error = `ack_rejected: ${err.error}`;
    }
    return result;
  }

  async closeView(opts: { viewId: string; user?: string }): Promise<DeliveryResult | null> {
    const view = this.state.viewMap.get(opts.viewId);
    if (!view?.open) throw new Error(`Slack simulator: no open view ${opts.viewId}`);
    const user = this.user(opts.user, view.user);
    const clear = view.view.clear_on_close === true;
    for (const v of clear ? this.state.stack(view.rootViewId) : [view]) v.open = false;
    if (view.view.notify_on_close !== true) return null;
    return this.deliver(
      'interactive',
      {
        type: 'view_closed',
        team: { ...this.team },
        user: this.userObject(user),
        ...this.common(),
        view: structuredClone(view.view),
        is_cleared: clear,
        is_enterprise_install: false,
        enterprise: null,
      },
      false,
    );
  }

  async sendEvent(event: Record<string, unknown>): Promise<DeliveryResult> {
    const now = Date.now();
    const payload: Rec = {
      token: DEFAULTS.verificationToken,
      team_id: this.team.id,
      context_team_id: this.team.id,
      api_app_id: DEFAULTS.appId,
      event: { event_ts: this.state.clock.next(), ...event },
      type: 'event_callback',
      event_id: this.state.ids.eventId(),
      event_time: Math.floor(now / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: this.team.id,
          user_id: DEFAULTS.botUserId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-sim-${this.state.ids.blockId()}`,
    };
    return this.deliver('events_api', payload, false);
  }

  async postUserMessage(opts: {
    channel: string;
    text: string;
    user?: string;
    threadTs?: string;
  }): Promise<StoredMessage> {
    const channel = this.state.resolveChannel(opts.channel);
    if (!channel) throw new Error(`Slack simulator: unknown channel ${opts.channel}`);
    const user = this.user(opts.user);
    let threadTs: string | null;
    try {
      threadTs = this.state.threadParent(channel.id, opts.threadTs);
    } catch {
      throw new Error(`Slack simulator: no parent message ${String(opts.threadTs)} in ${channel.id}`);
    }
    const m = this.state.addMessage({
      channel: channel.id,
      text: opts.text,
      blocks: undefined,
      threadTs,
      user: user.id,
      botId: null,
      via: 'user',
    });
    const base: Rec = {
      user: user.id,
      text: m.text,
      ts: m.ts,
      channel: channel.id,
      event_ts: m.ts,
      team: this.team.id,
    };
    if (threadTs !== null) base.thread_ts = threadTs;
    await this.sendEvent({ type: 'message', ...base, channel_type: channel.user === null ? 'channel' : 'im' });
    if (m.text.includes(`<@${DEFAULTS.botUserId}>`)) await this.sendEvent({ type: 'app_mention', ...base });
    return structuredClone(m);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Inspection and control

  messages(channel?: string): StoredMessage[] {
    return structuredClone(this.state.sortedMessages(channel));
  }

  thread(channel: string, threadTs: string): StoredMessage[] {
    const parent = this.state.findMessage(channel, threadTs);
    if (!parent) return [];
    return structuredClone(
      this.state
        .sortedMessages(channel)
        .filter((m) => m === parent || (m.threadTs === threadTs && m.threadTs !== null)),
    );
  }

  ephemerals(): StoredEphemeral[] {
    return structuredClone(this.state.ephemeralList.filter((e) => !e.deleted));
  }

  views(): StoredView[] {
    return structuredClone([...this.state.viewMap.values()]);
  }

  files(): StoredFile[] {
    return structuredClone([...this.state.fileMap.values()].filter((f) => f.completed));
  }

  useHttpDelivery(endpoint: string): void {
    this.httpEndpoint = endpoint;
  }

  useSocketDelivery(): void {
    this.httpEndpoint = null;
  }

  rateLimit(opts: { method?: string; count: number; retryAfterSeconds: number }): void {
    this.limiter.inject(opts.method, opts.count, opts.retryAfterSeconds);
  }

  failNext(method: string, error: string): void {
    this.limiter.failNext(method, error);
  }

  setRateLimits(mode: 'off' | 'realistic'): void {
    this.limiter.mode = mode;
  }

  disconnectSockets(reason: 'warning' | 'refresh_requested' | 'link_disabled' = 'refresh_requested'): void {
    this.hub.disconnect(reason);
  }

  connectedSockets(): number {
    return this.hub.connected();
  }

  async waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const value = predicate();
        if (value !== undefined && value !== null && value !== false) return value;
        lastError = undefined;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() >= deadline) {
        const recent = this.calls
          .slice(-5)
          .map((c) => `${c.method}${c.ok ? '' : ` (${c.error})`}`)
          .join(', ');
        const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
        throw new Error(
          `Slack simulator waitFor: condition not met within ${timeoutMs} ms${detail}; ` +
            `${this.state.messageList.length} messages, ${this.connectedSockets()} sockets; last Web API calls: ${recent || 'none'}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  reset(): void {
    this.state.reset();
    this.limiter.reset();
  }

  async close(): Promise<void> {
    await this.hub.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** Starts the simulator on 127.0.0.1 (an ephemeral port unless `port` is given). */
export async function startSlackSimulator(opts: SlackSimulatorOptions = {}): Promise<SlackSimulator> {
  const sim = new Simulator(opts);
  await sim.listen(opts.port ?? 0);
  return sim;
}
