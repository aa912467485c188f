/**
 * The REST v2 surface the bot uses (protocols.md B.2.2): incidents (list with filters and offset pagination, get,
 * status update), incident alerts (paginated), incident notes (list, create with `From`). Errors use PagerDuty's
 * `{"error":{"message","code","errors"}}` body and codes (docs/REST-API/14-Errors.md).
 */
import type { IncidentRec, PagerDutyState } from './state.js';

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  /** The body was present but not JSON. */
  badJson: boolean;
}

export interface RestResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
const ALERT_STATUSES = ['triggered', 'resolved'] as const;
const URGENCIES = ['high', 'low'] as const;
const MAX_OFFSET = 10_000;
const DEFAULT_WINDOW_MS = 30 * 24 * 3600_000;
const NOTE_MAX = 25_000;

export function pdError(status: number, message: string, code: number, errors?: string[]): RestResponse {
  return { status, body: { error: { message, code, ...(errors ? { errors } : {}) } } };
}

const invalid = (...errors: string[]) => pdError(400, 'Invalid Input Provided', 2001, errors);
const notFound = () => pdError(404, 'Not Found', 2100);

/** `key[]` and `key` values (pdjs sends `statuses[]=a&statuses[]=b`; some clients send `statuses=a`). */
function multi(q: URLSearchParams, key: string): string[] {
  return [...q.getAll(`${key}[]`), ...q.getAll(key)].flatMap((v) => v.split(',')).filter((v) => v !== '');
}

function page(q: URLSearchParams): { limit: number; offset: number } | RestResponse {
  const rawLimit = q.get('limit');
  const rawOffset = q.get('offset');
  if (rawLimit !== null && !/^\d+$/.test(rawLimit)) return invalid('Limit must be a non-negative integer');
  if (rawOffset !== null && !/^\d+$/.test(rawOffset)) return invalid('Offset must be a non-negative integer');
  const limit = Math.min(100, rawLimit === null || rawLimit === '0' ? 25 : Number(rawLimit));
  const offset = rawOffset === null ? 0 : Number(rawOffset);
  if (offset + limit > MAX_OFFSET) return invalid(`Offset + limit must not exceed ${MAX_OFFSET}`);
  return { limit, offset };
}

function paginated<T>(key: string, items: T[], p: { limit: number; offset: number }, total: boolean): RestResponse {
  const slice = items.slice(p.offset, p.offset + p.limit);
  return {
    status: 200,
    body: {
      [key]: slice,
      limit: p.limit,
      offset: p.offset,
      more: p.offset + slice.length < items.length,
      total: total ? items.length : null,
    },
  };
}

function fromHeader(req: RestRequest): string | null {
  const from = req.headers.from?.trim();
  return from ? from : null;
}

const FROM_REQUIRED = () =>
  invalid('You must specify a user\'s email address in the "From" header to perform this action');

export function handleRest(state: PagerDutyState, req: RestRequest): RestResponse {
  const parts = req.path.split('/').filter((p) => p !== '');
  if (parts[0] !== 'incidents') return notFound();
  const id = parts[1] !== undefined ? decodeURIComponent(parts[1]) : undefined;
  const sub = parts[2];
  if (parts.length > 3) return notFound();

  if (id === undefined) {
    if (req.method === 'GET') return listIncidents(state, req);
    return pdError(405, 'Method Not Allowed', 2100);
  }
  const rec = state.get(id);
  if (!rec) return notFound();
  if (sub === undefined) {
    if (req.method === 'GET') return { status: 200, body: { incident: state.restIncident(rec) } };
    if (req.method === 'PUT') return updateIncident(state, rec, req);
    return pdError(405, 'Method Not Allowed', 2100);
  }
  if (sub === 'alerts' && req.method === 'GET') return listAlerts(state, rec, req);
  if (sub === 'notes' && req.method === 'GET') {
    return { status: 200, body: { notes: rec.notes.map((n) => state.restNote(n)) } };
  }
  if (sub === 'notes' && req.method === 'POST') return createNote(state, rec, req);
  return notFound();
}

function dateParam(q: URLSearchParams, key: string): Date | null | RestResponse {
  const v = q.get(key);
  if (v === null || v === '') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? invalid(`${key} is not a valid date`) : new Date(t);
}

function isResponse(v: unknown): v is RestResponse {
  return typeof v === 'object' && v !== null && 'status' in v && 'body' in v;
}

function listIncidents(state: PagerDutyState, req: RestRequest): RestResponse {
  const q = req.query;
  const statuses = multi(q, 'statuses');
  const bad = statuses.find((s) => !(STATUSES as readonly string[]).includes(s));
  if (bad) return invalid(`Statuses contains an invalid value: ${bad}`);
  const urgencies = multi(q, 'urgencies');
  const badUrgency = urgencies.find((u) => !(URGENCIES as readonly string[]).includes(u));
  if (badUrgency) return invalid(`Urgencies contains an invalid value: ${badUrgency}`);
  const serviceIds = multi(q, 'service_ids');
  const p = page(q);
  if (isResponse(p)) return p;
  const since = dateParam(q, 'since');
  if (isResponse(since)) return since;
  const until = dateParam(q, 'until');
  if (isResponse(until)) return until;
  const all = q.get('date_range') === 'all';
  // Without since/until PagerDuty searches the last month.
  const from = all ? null : (since ?? new Date((until ?? state.now()).getTime() - DEFAULT_WINDOW_MS));
  const to = all ? null : until;
  if (from && to && from > to) return invalid('Since must be before until');

  let items = state
    .all()
    .filter((r) => statuses.length === 0 || statuses.includes(r.status))
    .filter((r) => urgencies.length === 0 || urgencies.includes(r.urgency))
    .filter((r) => serviceIds.length === 0 || serviceIds.includes(r.serviceId))
    .filter((r) => (from === null || r.createdAt >= from) && (to === null || r.createdAt < to));
  const sortBy = q.get('sort_by') ?? 'created_at:asc';
  const desc = sortBy.endsWith(':desc');
  items = items.sort(
    (a, b) => (a.createdAt.getTime() - b.createdAt.getTime() || a.number - b.number) * (desc ? -1 : 1),
  );
  return paginated(
    'incidents',
    items.map((r) => state.restIncident(r)),
    p,
    q.get('total') === 'true',
  );
}

function listAlerts(state: PagerDutyState, rec: IncidentRec, req: RestRequest): RestResponse {
  const statuses = multi(req.query, 'statuses');
  const bad = statuses.find((s) => !(ALERT_STATUSES as readonly string[]).includes(s));
  if (bad) return invalid(`Statuses contains an invalid value: ${bad}`);
  const p = page(req.query);
  if (isResponse(p)) return p;
  const alerts = rec.alerts.filter((a) => statuses.length === 0 || statuses.includes(a.status));
  return paginated(
    'alerts',
    alerts.map((a) => state.restAlert(rec, a)),
    p,
    req.query.get('total') === 'true',
  );
}

function objectField(body: unknown, key: string): Record<string, unknown> | null {
  if (typeof body !== 'object' || body === null) return null;
  const v = (body as Record<string, unknown>)[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function createNote(state: PagerDutyState, rec: IncidentRec, req: RestRequest): RestResponse {
  const from = fromHeader(req);
  if (from === null) return FROM_REQUIRED();
  if (!from.includes('@')) return pdError(400, 'Requester User Not Found', 1008);
  if (req.badJson) return invalid('The request body is not valid JSON');
  const note = objectField(req.body, 'note');
  const content = note?.content;
  if (typeof content !== 'string' || content.trim() === '') return invalid("Note content can't be blank");
  if (content.length > NOTE_MAX) return invalid(`Note content is too long (maximum is ${NOTE_MAX} characters)`);
  const created = state.addNote(rec.id, content, state.userByEmail(from));
  return { status: 201, body: { note: state.restNote(created) } };
}

function updateIncident(state: PagerDutyState, rec: IncidentRec, req: RestRequest): RestResponse {
  const from = fromHeader(req);
  if (from === null) return FROM_REQUIRED();
  if (!from.includes('@')) return pdError(400, 'Requester User Not Found', 1008);
  if (req.badJson) return invalid('The request body is not valid JSON');
  const incident = objectField(req.body, 'incident');
  if (!incident) return invalid('incident is missing');
  if (incident.type !== 'incident_reference' && incident.type !== 'incident') return invalid('Type is invalid');
  const user = state.userByEmail(from);
  const status = incident.status;
  if (status !== undefined) {
    if (status !== 'acknowledged' && status !== 'resolved' && status !== 'triggered') {
      return pdError(400, 'Invalid Status Provided', 1003);
    }
    if (rec.status === 'resolved') return pdError(400, 'Incident Already Resolved', 1001);
    if (status === 'acknowledged') state.acknowledge(rec.id, user);
    if (status === 'resolved') state.resolve(rec.id, user);
  }
  return { status: 200, body: { incident: state.restIncident(rec) } };
}
