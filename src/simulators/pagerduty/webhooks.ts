/**
 * Outbound v3 webhooks (protocols.md B.1): one event per POST, the real envelope and `data` shapes per event type,
 * `X-PagerDuty-Signature: v1=<hmac>[,v1=<hmac>…]` (one per secret), `X-Webhook-Id` stable across re-deliveries.
 * Signing is implemented here on its own (not shared with the bot's verifier) so a bug in one cannot hide in both.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { IncidentRec, PagerDutyState } from './state.js';
import type { SendWebhookInput } from './types.js';

export function sign(rawBody: Buffer, secrets: readonly string[]): string {
  return secrets.map((s) => `v1=${createHmac('sha256', s).update(rawBody).digest('hex')}`).join(',');
}

function resourceType(eventType: string): string {
  return eventType.split('.')[0] ?? 'unknown';
}

const INCIDENT_DATA_TYPES = new Set([
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
]);

/** `event.data` for an event type, from the incident's current state. */
function eventData(state: PagerDutyState, eventType: string, rec: IncidentRec | undefined): unknown {
  if (eventType === 'pagey.ping') return { type: 'ping', message: 'Hello from your friend Pagey!' };
  if (!rec) {
    if (eventType.startsWith('incident.')) throw new Error(`webhook ${eventType} needs an incidentId`);
    return {};
  }
  if (INCIDENT_DATA_TYPES.has(eventType)) return state.webhookIncident(rec);
  const incident = state.incidentRef(rec);
  if (eventType === 'incident.annotated') {
    const note = rec.notes.at(-1);
    if (!note) throw new Error(`incident ${rec.id} has no note to announce (call annotate first)`);
    return { incident, id: note.id, content: note.content, trimmed: false, type: 'incident_note' };
  }
  if (eventType === 'incident.responder.added' || eventType === 'incident.responder.replied') {
    const user = rec.lastActor ?? state.onCall;
    return {
      incident,
      user: state.userRef(user),
      escalation_policy: null,
      message: 'Please help with this incident',
      state: eventType.endsWith('replied') ? 'accepted' : 'pending',
      type: 'incident_responder',
    };
  }
  if (eventType === 'incident.status_update_published') {
    return { id: `PSU${rec.number}`, incident, message: 'Investigating', type: 'incident_status_update' };
  }
  return { incident, type: eventType.replace(/^incident\./, 'incident_').replaceAll('.', '_') };
}

export function buildPayload(
  state: PagerDutyState,
  input: Omit<SendWebhookInput, 'endpoint'>,
): { event: Record<string, unknown> } {
  const rec = input.incidentId !== undefined ? state.get(input.incidentId) : undefined;
  if (input.incidentId !== undefined && !rec) throw new Error(`no incident ${input.incidentId}`);
  const data = input.data !== undefined ? input.data : eventData(state, input.eventType, rec);
  let agent: unknown = null;
  if (input.agent !== undefined) {
    agent = input.agent === null ? null : state.userRef(state.user(input.agent));
  } else if (rec) {
    agent =
      rec.lastActor !== null
        ? state.userRef(rec.lastActor)
        : input.eventType === 'incident.triggered'
          ? state.serviceRef(rec.serviceId)
          : null;
  }
  return {
    event: {
      id: input.eventId ?? randomUUID(),
      event_type: input.eventType,
      resource_type: resourceType(input.eventType),
      occurred_at: state.now().toISOString(),
      agent,
      client: null,
      data,
    },
  };
}

export interface PostResult {
  status: number;
  body: string;
  error?: string;
}

/** POST with a fresh connection (no keep-alive socket left behind), PagerDuty's 5 s answer window by default. */
export function post(
  endpoint: string,
  body: Buffer,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<PostResult> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      resolve({ status: 0, body: '', error: `invalid endpoint ${endpoint}` });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-length': String(body.length), connection: 'close' },
        ...(url.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => resolve({ status: res.statusCode ?? 0, body: '', error: err.message }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ status: 0, body: '', error: err.message }));
    req.end(body);
  });
}
