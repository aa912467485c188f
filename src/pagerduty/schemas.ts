/**
 * zod schemas for what PagerDuty sends us: v3 webhook envelopes (protocols.md B.1) and the REST v2 objects the client
 * reads (incidents, alerts, notes; B.2). Objects are loose (PagerDuty adds fields over time); only what Causa relies on
 * is required.
 *
 * Webhook incidents use `number` and `assignees[]`; REST incidents use `incident_number` and `assignments[].assignee`.
 * `incident.annotated` carries an `incident_note` (with an incident reference), not an incident.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces

export const ReferenceSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().optional(),
  summary: z.string().nullish(),
  self: z.string().nullish(),
  html_url: z.string().nullish(),
});
export type Reference = z.infer<typeof ReferenceSchema>;

export const IncidentStatusSchema = z.enum(['triggered', 'acknowledged', 'resolved']);
export type IncidentStatus = z.infer<typeof IncidentStatusSchema>;

export const UrgencySchema = z.enum(['high', 'low']);
export type Urgency = z.infer<typeof UrgencySchema>;

// ---------------------------------------------------------------------------------------------------------------
// Webhooks v3

/** `data` of `incident.*` events whose `data.type` is `incident`. */
export const WebhookIncidentSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('incident'),
  self: z.string().nullish(),
  html_url: z.string().nullish(),
  number: z.number().int(),
  status: IncidentStatusSchema,
  title: z.string(),
  urgency: UrgencySchema,
  service: ReferenceSchema,
  assignees: z.array(ReferenceSchema).default([]),
  incident_key: z.string().nullish(),
  created_at: z.string().nullish(),
  reopened_at: z.string().nullish(),
  incident_type: z.looseObject({ name: z.string() }).nullish(),
  escalation_policy: ReferenceSchema.nullish(),
  teams: z.array(ReferenceSchema).default([]),
  priority: ReferenceSchema.nullish(),
  conference_bridge: z
    .looseObject({ conference_number: z.string().nullish(), conference_url: z.string().nullish() })
    .nullish(),
  resolve_reason: z.unknown().optional(),
});
export type WebhookIncident = z.infer<typeof WebhookIncidentSchema>;

/** `data` of `incident.annotated`. */
export const WebhookNoteSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('incident_note'),
  content: z.string(),
  trimmed: z.boolean().default(false),
  incident: ReferenceSchema,
});
export type WebhookNote = z.infer<typeof WebhookNoteSchema>;

/** `data` of `incident.responder.added` / `incident.responder.replied`. */
export const WebhookResponderSchema = z.looseObject({
  type: z.literal('incident_responder'),
  incident: ReferenceSchema,
  user: ReferenceSchema.nullish(),
  escalation_policy: ReferenceSchema.nullish(),
  message: z.string().nullish(),
  state: z.string().nullish(),
});
export type WebhookResponder = z.infer<typeof WebhookResponderSchema>;

/** `data` of `incident.status_update_published`. */
export const WebhookStatusUpdateSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.literal('incident_status_update'),
  incident: ReferenceSchema,
  message: z.string().nullish(),
});
export type WebhookStatusUpdate = z.infer<typeof WebhookStatusUpdateSchema>;

/** Event types whose `data` is an incident (protocols.md B.1). */
export const INCIDENT_EVENT_TYPES = [
  'incident.triggered',
  'incident.acknowledged',
  'incident.unacknowledged',
  'incident.resolved',
  'incident.reopened',
  'incident.escalated',
  'incident.reassigned',
  'incident.delegated',
  'incident.priority_updated',
  'incident.service_updated',
  'incident.incident_type.changed',
] as const;
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number];

export const RESPONDER_EVENT_TYPES = ['incident.responder.added', 'incident.responder.replied'] as const;
export type ResponderEventType = (typeof RESPONDER_EVENT_TYPES)[number];

const AgentSchema = ReferenceSchema.nullish().transform((v) => v ?? null);
const ClientSchema = z
  .looseObject({ name: z.string() })
  .nullish()
  .transform((v) => v ?? null);

export const WebhookEnvelopeSchema = z.looseObject({
  event: z.looseObject({
    id: z.string().min(1),
    event_type: z.string().min(1),
    resource_type: z.string(),
    occurred_at: z.string(),
    agent: AgentSchema,
    client: ClientSchema,
    data: z.unknown(),
  }),
});

interface EventBase {
  id: string;
  resource_type: string;
  occurred_at: string;
  agent: Reference | null;
  client: { name: string; [k: string]: unknown } | null;
}

/** A parsed webhook event; `kind` tells which `data` it carries. Unknown event types are kept as `other`. */
export type WebhookEvent =
  | (EventBase & { kind: 'incident'; event_type: IncidentEventType; data: WebhookIncident })
  | (EventBase & { kind: 'annotated'; event_type: 'incident.annotated'; data: WebhookNote })
  | (EventBase & { kind: 'responder'; event_type: ResponderEventType; data: WebhookResponder })
  | (EventBase & { kind: 'status_update'; event_type: 'incident.status_update_published'; data: WebhookStatusUpdate })
  | (EventBase & { kind: 'other'; event_type: string; data: unknown });

export type ParseWebhookResult = { ok: true; event: WebhookEvent } | { ok: false; error: string };

function describe(error: z.ZodError, prefix: string[]): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${[...prefix, ...i.path.map(String)].join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

/**
 * Parse a v3 webhook body (already JSON-decoded). Known event types must carry the documented `data`; anything else
 * parses as `kind: 'other'` so new PagerDuty event types (and the UI's ping) are ignored, not rejected.
 */
export function parseWebhook(raw: unknown): ParseWebhookResult {
  const envelope = WebhookEnvelopeSchema.safeParse(raw);
  if (!envelope.success) return { ok: false, error: describe(envelope.error, []) };
  const { id, event_type, resource_type, occurred_at, agent, client, data } = envelope.data.event;
  const base: EventBase = { id, resource_type, occurred_at, agent, client };
  const at = ['event', 'data'];

  if (isOneOf(INCIDENT_EVENT_TYPES, event_type)) {
    const r = WebhookIncidentSchema.safeParse(data);
    if (!r.success) return { ok: false, error: `${event_type}: ${describe(r.error, at)}` };
    return { ok: true, event: { ...base, kind: 'incident', event_type, data: r.data } };
  }
  if (event_type === 'incident.annotated') {
    const r = WebhookNoteSchema.safeParse(data);
    if (!r.success) return { ok: false, error: `${event_type}: ${describe(r.error, at)}` };
    return { ok: true, event: { ...base, kind: 'annotated', event_type, data: r.data } };
  }
  if (isOneOf(RESPONDER_EVENT_TYPES, event_type)) {
    const r = WebhookResponderSchema.safeParse(data);
    if (!r.success) return { ok: false, error: `${event_type}: ${describe(r.error, at)}` };
    return { ok: true, event: { ...base, kind: 'responder', event_type, data: r.data } };
  }
  if (event_type === 'incident.status_update_published') {
    const r = WebhookStatusUpdateSchema.safeParse(data);
    if (!r.success) return { ok: false, error: `${event_type}: ${describe(r.error, at)}` };
    return { ok: true, event: { ...base, kind: 'status_update', event_type, data: r.data } };
  }
  return { ok: true, event: { ...base, kind: 'other', event_type, data } };
}

/** The PagerDuty incident id an event is about, when it is about one (`other` events: `data.incident.id`). */
export function incidentIdOf(event: WebhookEvent): string | null {
  switch (event.kind) {
    case 'incident':
      return event.data.id;
    case 'annotated':
    case 'responder':
    case 'status_update':
      return event.data.incident.id;
    case 'other': {
      const data = event.data as { type?: unknown; id?: unknown; incident?: { id?: unknown } } | null;
      if (typeof data !== 'object' || data === null) return null;
      if (typeof data.incident?.id === 'string') return data.incident.id;
      if (data.type === 'incident' && typeof data.id === 'string') return data.id;
      return null;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// REST API v2

export const RestIncidentSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().optional(),
  summary: z.string().nullish(),
  self: z.string().nullish(),
  html_url: z.string().nullish(),
  incident_number: z.number().int(),
  title: z.string(),
  status: IncidentStatusSchema,
  urgency: UrgencySchema.nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  incident_key: z.string().nullish(),
  service: ReferenceSchema,
  priority: ReferenceSchema.nullish(),
  assignments: z
    .array(z.looseObject({ at: z.string().nullish(), assignee: ReferenceSchema }))
    .nullish()
    .transform((v) => v ?? []),
  acknowledgements: z
    .array(z.looseObject({ at: z.string().nullish(), acknowledger: ReferenceSchema }))
    .nullish()
    .transform((v) => v ?? []),
  escalation_policy: ReferenceSchema.nullish(),
  teams: z.array(ReferenceSchema).nullish(),
});
export type RestIncident = z.infer<typeof RestIncidentSchema>;

export const AlertBodySchema = z.looseObject({
  type: z.string().optional(),
  /** Events v2 `payload.custom_details` (any JSON: object, string, array…). */
  details: z.unknown().optional(),
  cef_details: z
    .looseObject({
      details: z.unknown().optional(),
      description: z.string().nullish(),
      client: z.string().nullish(),
      source_origin: z.string().nullish(),
      severity: z.string().nullish(),
      dedup_key: z.string().nullish(),
    })
    .nullish(),
  contexts: z.array(z.unknown()).nullish(),
});
export type AlertBody = z.infer<typeof AlertBodySchema>;

export const RestAlertSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().optional(),
  summary: z.string().nullish(),
  status: z.string().nullish(),
  severity: z.string().nullish(),
  alert_key: z.string().nullish(),
  created_at: z.string().nullish(),
  suppressed: z.boolean().nullish(),
  incident: ReferenceSchema.nullish(),
  service: ReferenceSchema.nullish(),
  body: AlertBodySchema.nullish(),
});
export type RestAlert = z.infer<typeof RestAlertSchema>;
/** The alert shape `resolveTarget` reads (REST alerts, or anything with the same `body`). */
export type Alert = Pick<RestAlert, 'body'> & { status?: string | null | undefined };

export const RestNoteSchema = z.looseObject({
  id: z.string().min(1),
  content: z.string(),
  created_at: z.string().nullish(),
  user: ReferenceSchema.nullish(),
  channel: z.looseObject({ summary: z.string().nullish() }).nullish(),
});
export type RestNote = z.infer<typeof RestNoteSchema>;

/** `{"error":{"message","code","errors"}}` (docs/REST-API/14-Errors.md). */
export const RestErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    code: z.number().optional(),
    errors: z.array(z.string()).optional(),
  }),
});

/** Offset pagination fields (docs/REST-API/09-Pagination.md). */
export const PageSchema = z.looseObject({
  limit: z.number().int().nullish(),
  offset: z.number().int().nullish(),
  more: z.boolean().nullish(),
  total: z.number().int().nullish(),
});
