/** Public types of the PagerDuty simulator (REST v2 + outbound v3 webhooks). */

export const DEFAULTS = {
  token: 'pd-sim-token',
  webhookSecrets: ['pd-sim-webhook-secret'],
  services: [{ id: 'PAYMENTS01', name: 'Payments' }],
  subscriptionId: 'PSIMSUB1',
  escalationPolicy: { id: 'PESCPOL1', name: 'Default' },
  onCall: { id: 'PONCALL1', name: 'On-call Engineer', email: 'oncall@example.com' },
} as const;

export interface SimService {
  id: string;
  name?: string;
}

/** A PagerDuty user, by name (`'Ada'`) or in full. */
export type SimUserInput = string | { id?: string; name: string; email?: string };

export interface PagerDutySimulatorOptions {
  /** REST API token; requests must send `Authorization: Token token=<token>` (or `Bearer <token>`). */
  token?: string;
  /** Webhook signing secrets; every delivery carries one `v1=` signature per secret. */
  webhookSecrets?: string[];
  services?: SimService[];
  /** Port on 127.0.0.1 (default: any free one). */
  port?: number;
  now?: () => Date;
}

/** One alert of a new incident. Alertmanager-fed alerts put the same custom details in `details` and `cef_details`. */
export interface AlertSpec {
  summary?: string;
  severity?: 'critical' | 'error' | 'warning' | 'info';
  status?: 'triggered' | 'resolved';
  /** Events v2 `payload.custom_details` → `body.details` and `body.cef_details.details`. */
  details?: unknown;
  /** Fields of `body.cef_details`; when given without `details`/`firing` the alert has no `body.details`. */
  cef_details?: Record<string, unknown>;
  /**
   * Alertmanager's default custom details: a string is the < 0.30 text blob (`Labels:\n - name = value…`), an array
   * the ≥ 0.30 JSON list of alerts (`[{ labels, annotations, … }]`). Overrides `details`.
   */
  firing?: string | unknown[];
  alertKey?: string;
}

export interface AddIncidentInput {
  title: string;
  /** Service id (default: the first service); unknown ids are added. */
  service?: string;
  urgency?: 'high' | 'low';
  alerts?: AlertSpec[];
  assignee?: SimUserInput;
  incidentKey?: string;
  createdAt?: Date | string;
}

export interface Ref {
  id: string;
  type: string;
  summary: string;
  self: string | null;
  html_url: string | null;
}

/** A REST-shaped incident (`incident_number`, `assignments[]`), as `GET /incidents/{id}` returns it. */
export interface SimIncident {
  id: string;
  type: 'incident';
  summary: string;
  self: string;
  html_url: string;
  incident_number: number;
  title: string;
  description: string;
  created_at: string;
  updated_at: string;
  last_status_change_at: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  urgency: 'high' | 'low';
  incident_key: string;
  service: Ref;
  priority: Ref | null;
  assignments: { at: string; assignee: Ref }[];
  acknowledgements: { at: string; acknowledger: Ref }[];
  escalation_policy: Ref;
  teams: Ref[];
  alert_counts: { all: number; triggered: number; resolved: number };
  incident_type: { name: string };
  resolve_reason: null;
  conference_bridge: null;
  is_mergeable: boolean;
}

export interface SimAlert {
  id: string;
  type: 'alert';
  summary: string;
  self: string;
  html_url: string;
  status: 'triggered' | 'resolved';
  severity: string;
  alert_key: string;
  created_at: string;
  suppressed: boolean;
  incident: Ref;
  service: Ref;
  body: Record<string, unknown>;
  integration: null;
}

export interface SimNote {
  id: string;
  user: Ref;
  channel: { summary: string };
  content: string;
  created_at: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string[]>;
  /** Lower-cased request headers; `authorization` is redacted. */
  headers: Record<string, string>;
  /** Whether the request carried the right token. */
  authorized: boolean;
  body: unknown;
  status: number;
  at: string;
}

export interface SendWebhookInput {
  /** Where to POST (e.g. `http://127.0.0.1:3000/pagerduty/webhook`). */
  endpoint: string;
  eventType: string;
  /** Needed for incident events. */
  incidentId?: string;
  /** Sign with only this secret (default: every configured secret). */
  secret?: string;
  /** `true`: sign with a wrong secret; a string: send exactly this header value. */
  forgedSignature?: boolean | string;
  /** Send no `X-PagerDuty-Signature` header. */
  omitSignature?: boolean;
  /** Reuse an event id (duplicate deliveries keep their `X-Webhook-Id` too). */
  eventId?: string;
  /** Send these bytes instead of the generated payload (signed like a payload unless forged/omitted). */
  rawBody?: string | Buffer;
  /** Who did it (`event.agent`); default: the last actor on the incident. `null` sends `"agent": null`. */
  agent?: SimUserInput | null;
  /** Replace `event.data`. */
  data?: unknown;
  /** Extra headers (subscription custom headers). */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface WebhookDelivery {
  endpoint: string;
  eventType: string;
  eventId: string;
  webhookId: string;
  rawBody: string;
  signature: string | null;
  /** HTTP status from the receiver; 0 when there was no response (`error` says why). */
  status: number;
  body: string;
  error?: string;
}

export interface PagerDutySimulator {
  /** REST base URL: use it as `PAGERDUTY_API_URL`. */
  readonly url: string;
  readonly token: string;
  readonly webhookSecrets: readonly string[];
  /** Every REST request, in order. */
  readonly requests: RequestRecord[];
  /** Every webhook sent, in order. */
  readonly deliveries: WebhookDelivery[];
  incidents(): SimIncident[];
  incident(id: string): SimIncident | undefined;
  alerts(incidentId: string): SimAlert[];
  notes(incidentId: string): SimNote[];
  addIncident(input: AddIncidentInput): SimIncident;
  acknowledge(id: string, user?: SimUserInput): SimIncident;
  resolve(id: string, user?: SimUserInput): SimIncident;
  reassign(id: string, user: SimUserInput): SimIncident;
  /** A note added by a person in the PagerDuty UI. */
  annotate(id: string, content: string, user?: SimUserInput): SimNote;
  /** The next `n` REST requests get 429 with `Retry-After: retryAfterSeconds` (fractions allowed, for fast tests). */
  rateLimitNext(n: number, retryAfterSeconds?: number): void;
  /** The v3 envelope a webhook would carry now (what `sendWebhook` sends). */
  webhookPayload(input: Omit<SendWebhookInput, 'endpoint'>): { event: Record<string, unknown> };
  sendWebhook(input: SendWebhookInput): Promise<WebhookDelivery>;
  close(): Promise<void>;
}
