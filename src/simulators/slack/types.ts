/** Public types of the Slack simulator (see README.md in this folder). */

export interface SlackSimulatorOptions {
  /** Default 0 = ephemeral; the server binds 127.0.0.1 only. */
  port?: number;
  /** Default `xoxb-causa-sim`; Web API calls with another token answer `invalid_auth`. */
  botToken?: string;
  /** Default `xapp-causa-sim`; only accepted by `apps.connections.open`. */
  appToken?: string;
  /** Default `causa-sim-signing-secret`; signs HTTP-mode deliveries. */
  signingSecret?: string;
  /** Default T0CAUSA / causa-sim. */
  team?: { id: string; domain: string };
  /** Default C0INCIDENTS #incidents, C0PAYMENTS #payments. */
  channels?: { id: string; name: string }[];
  /** Default U0ONCALL1 alice, U0ONCALL2 bob, U0VIEWER carol. */
  users?: { id: string; name: string; realName?: string }[];
  /** Default S0SRETEAM @sre [U0ONCALL2]. */
  usergroups?: { id: string; handle: string; users: string[] }[];
  /** Default 'off'. 'realistic': chat.postMessage ~1/s per channel (burst 5), chat.update 50/min, tiers 2-4. */
  rateLimits?: 'off' | 'realistic';
  /**
   * Default 'causa': blocks must also pass Causa's mrkdwn hygiene from `validateBlocks` (escaped `&<>`, closed code
   * fences). 'slack': only what real Slack rejects (limits, shapes, unknown types, duplicate action_ids).
   */
  blockValidation?: 'causa' | 'slack';
  /** How long an interaction waits for its ack (socket frame or HTTP response). Default 3000 ms, like Slack. */
  ackTimeoutMs?: number;
  /** How long a trigger_id stays usable for views.open/views.push. Default 3000 ms, like Slack. */
  triggerTtlMs?: number;
}

export interface ReactionRecord {
  name: string;
  users: string[];
}

export interface StoredMessage {
  channel: string;
  ts: string;
  /** The parent's ts for a thread reply; null for a top-level message. */
  threadTs: string | null;
  text: string;
  blocks?: unknown[];
  /** Bot messages: the bot user (UBOTCAUSA); user messages: the user. */
  user: string;
  /** B0CAUSA for messages the app posted, null for user messages. */
  botId: string | null;
  /** e.g. 'file_share'; null for plain messages. */
  subtype: string | null;
  replyBroadcast: boolean;
  /** Number of successful chat.update / replace_original edits. */
  edits: number;
  /** Previous versions, oldest first (one entry per edit). */
  history: { text: string; blocks?: unknown[]; at: number }[];
  /** For parents: number of replies in the thread. */
  replyCount: number;
  /** File ids shared with the message. */
  files: string[];
  reactions: ReactionRecord[];
  metadata?: unknown;
  /** How it was created: 'chat.postMessage', 'response_url', 'ack', 'files.completeUploadExternal', 'user'. */
  via: string;
  postedAt: number;
}

export interface StoredEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  ts: string;
  threadTs: string | null;
  via: string;
  deleted: boolean;
}

export interface StoredView {
  id: string;
  hash: string;
  type: string;
  callbackId: string | null;
  externalId: string | null;
  privateMetadata: string;
  title: unknown;
  submit: unknown;
  close: unknown;
  blocks: unknown[];
  /** The view object as Slack returns it from views.open/update (id, hash, state, root_view_id, …). */
  view: Record<string, unknown>;
  /** The user the modal is shown to. */
  user: string;
  rootViewId: string;
  previousViewId: string | null;
  /** False once submitted (without update/errors), cleared or closed. */
  open: boolean;
  /** views.update / response_action:update count. */
  updates: number;
  submissions: number;
  /** The `errors` of the last `response_action: 'errors'` ack, if any. */
  errors?: Record<string, string>;
  openedAt: number;
  updatedAt: number;
}

export interface StoredFile {
  id: string;
  channel: string | null;
  threadTs: string | null;
  title: string;
  filename: string;
  /** UTF-8 decoding of the uploaded bytes. */
  content: string;
  size: number;
  initialComment: string | null;
  /** False until files.completeUploadExternal. */
  completed: boolean;
}

export interface ApiCallRecord {
  method: string;
  /** Parsed arguments (JSON-string fields decoded; `token` removed). */
  args: Record<string, unknown>;
  ok: boolean;
  error?: string;
  at: number;
}

export interface DeliveryResult {
  acked: boolean;
  /** Socket mode: the ack frame's `payload`; HTTP mode: the parsed JSON response body, if any. */
  ackPayload: unknown;
  /** HTTP mode: the response status. */
  status?: number;
  /** HTTP mode: the parsed JSON body, or the text when not JSON. */
  responseBody?: unknown;
  /** Why it was not acked: 'no_socket_connection', 'ack_timeout', 'socket_closed', 'http_error: …'. */
  error?: string;
  /** Socket mode: the envelope id. */
  envelopeId?: string;
  /** The payload delivered to the app (command fields, interaction payload, or event callback). */
  payload: Record<string, unknown>;
}

export interface SlackSimulator {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/api/` — what SLACK_API_URL / clientOptions.slackApiUrl is set to. */
  apiUrl: string;
  botToken: string;
  appToken: string;
  signingSecret: string;
  team: { id: string; domain: string };
  /** Bot identity returned by auth.test. */
  bot: { userId: string; botId: string; appId: string };

  /** Top-level messages and replies (optionally of one channel), in ts order. */
  messages(channel?: string): StoredMessage[];
  /** Parent and replies in ts order (empty when the parent does not exist). */
  thread(channel: string, threadTs: string): StoredMessage[];
  ephemerals(): StoredEphemeral[];
  views(): StoredView[];
  files(): StoredFile[];
  /** Every Web API call, in order. */
  calls: ApiCallRecord[];

  slashCommand(opts: { command: string; text: string; user?: string; channel?: string }): Promise<DeliveryResult>;
  clickButton(opts: {
    channel: string;
    messageTs: string;
    actionId: string;
    value?: string;
    user?: string;
  }): Promise<DeliveryResult>;
  submitView(opts: {
    viewId: string;
    user?: string;
    values?: Record<string, Record<string, unknown>>;
  }): Promise<DeliveryResult>;
  /** view_closed (delivered only when the view has notify_on_close; the view is closed either way). */
  closeView(opts: { viewId: string; user?: string }): Promise<DeliveryResult | null>;
  /** Stores a user's message and delivers `message` (and `app_mention` when it mentions the bot) events. */
  postUserMessage(opts: { channel: string; text: string; user?: string; threadTs?: string }): Promise<StoredMessage>;
  /** Delivers an arbitrary Events API event (wrapped in an event_callback). */
  sendEvent(event: Record<string, unknown>): Promise<DeliveryResult>;

  useHttpDelivery(endpoint: string): void;
  /** Back to socket-mode delivery (the default). */
  useSocketDelivery(): void;

  rateLimit(opts: { method?: string; count: number; retryAfterSeconds: number }): void;
  failNext(method: string, error: string): void;
  setRateLimits(mode: 'off' | 'realistic'): void;
  disconnectSockets(reason?: 'warning' | 'refresh_requested' | 'link_disabled'): void;
  connectedSockets(): number;
  /** Polls every 20 ms until `predicate` returns a value other than undefined/null/false. Default timeout 10 s. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** Forgets messages, ephemerals, views, files, calls and injected faults (not connections). */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULTS = {
  botToken: 'xoxb-causa-sim',
  appToken: 'xapp-causa-sim',
  signingSecret: 'causa-sim-signing-secret',
  verificationToken: 'causa-sim-verification-token',
  team: { id: 'T0CAUSA', domain: 'causa-sim' },
  teamName: 'Causa Simulator',
  channels: [
    { id: 'C0INCIDENTS', name: 'incidents' },
    { id: 'C0PAYMENTS', name: 'payments' },
  ],
  users: [
    { id: 'U0ONCALL1', name: 'alice', realName: 'Alice Oncall' },
    { id: 'U0ONCALL2', name: 'bob', realName: 'Bob Oncall' },
    { id: 'U0VIEWER', name: 'carol', realName: 'Carol Viewer' },
  ],
  usergroups: [{ id: 'S0SRETEAM', handle: 'sre', users: ['U0ONCALL2'] }],
  botUserId: 'UBOTCAUSA',
  botId: 'B0CAUSA',
  appId: 'A0CAUSA',
  botName: 'causa',
};
