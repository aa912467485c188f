/**
 * The simulator's PagerDuty account: services, users, incidents with their alerts and notes. Renders the REST shapes
 * (`incident_number`, `assignments[]`) and the webhook shapes (`number`, `assignees[]`) from the same records.
 */
import { randomUUID } from 'node:crypto';
import {
  type AddIncidentInput,
  type AlertSpec,
  DEFAULTS,
  type Ref,
  type SimAlert,
  type SimIncident,
  type SimNote,
  type SimService,
  type SimUserInput,
} from './types.js';

export interface UserRec {
  id: string;
  name: string;
  email: string;
}

interface AlertRec {
  id: string;
  status: 'triggered' | 'resolved';
  severity: string;
  summary: string;
  alertKey: string;
  createdAt: Date;
  body: Record<string, unknown>;
}

export interface NoteRec {
  id: string;
  user: UserRec;
  content: string;
  createdAt: Date;
}

export interface IncidentRec {
  id: string;
  number: number;
  title: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  urgency: 'high' | 'low';
  serviceId: string;
  incidentKey: string;
  createdAt: Date;
  updatedAt: Date;
  lastStatusChangeAt: Date;
  assignments: { at: Date; user: UserRec }[];
  acknowledgements: { at: Date; user: UserRec }[];
  alerts: AlertRec[];
  notes: NoteRec[];
  /** Who did the last thing (webhook `agent`); null = the integration (service). */
  lastActor: UserRec | null;
}

export class SimError extends Error {
  override name = 'SimError';
}

const NOTE_CHANNEL = 'The PagerDuty website or APIs';

function seq(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(3, '0')}`;
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '.')
      .replace(/^\.+|\.+$/g, '') || 'user'
  );
}

/** Alertmanager's default PagerDuty custom details for a `firing` value (text: < 0.30, array: ≥ 0.30). */
export function alertmanagerDetails(firing: string | unknown[]): Record<string, unknown> {
  if (typeof firing === 'string') {
    const count = firing.split(/\r?\n/).filter((l) => l.trim() === 'Labels:').length;
    return { firing, num_firing: String(count), num_resolved: '0', resolved: '' };
  }
  return { firing, num_firing: firing.length, num_resolved: 0, resolved: null };
}

export class PagerDutyState {
  baseUrl = '';
  readonly services = new Map<string, { id: string; name: string }>();
  private readonly users = new Map<string, UserRec>();
  private readonly incidentsById = new Map<string, IncidentRec>();
  private counters = { incident: 0, alert: 0, note: 0, user: 0 };
  readonly onCall: UserRec;

  constructor(
    services: SimService[],
    readonly now: () => Date,
  ) {
    for (const s of services) this.services.set(s.id, { id: s.id, name: s.name ?? s.id });
    this.onCall = { ...DEFAULTS.onCall };
    this.users.set(this.onCall.email, this.onCall);
  }

  // --- records --------------------------------------------------------------------------------------------------

  user(input: SimUserInput): UserRec {
    const spec = typeof input === 'string' ? { name: input } : input;
    const email = spec.email ?? `${slug(spec.name)}@example.com`;
    const existing = this.users.get(email);
    if (existing) return existing;
    const user = { id: spec.id ?? seq('PUSR', ++this.counters.user), name: spec.name, email };
    this.users.set(email, user);
    return user;
  }

  /** The user a `From` email names (created on first use, as if it were a valid account user). */
  userByEmail(email: string): UserRec {
    return this.users.get(email) ?? this.user({ name: email.split('@')[0] ?? email, email });
  }

  get(id: string): IncidentRec | undefined {
    return this.incidentsById.get(id);
  }

  require(id: string): IncidentRec {
    const rec = this.incidentsById.get(id);
    if (!rec) throw new SimError(`no incident ${id}`);
    return rec;
  }

  all(): IncidentRec[] {
    return [...this.incidentsById.values()];
  }

  addIncident(input: AddIncidentInput): IncidentRec {
    const serviceId = input.service ?? this.services.keys().next().value ?? DEFAULTS.services[0].id;
    if (!this.services.has(serviceId)) this.services.set(serviceId, { id: serviceId, name: serviceId });
    const service = this.services.get(serviceId)!;
    const createdAt = input.createdAt !== undefined ? new Date(input.createdAt) : this.now();
    const number = ++this.counters.incident;
    const incidentKey = input.incidentKey ?? randomUUID().replaceAll('-', '');
    const assignee = input.assignee !== undefined ? this.user(input.assignee) : this.onCall;
    const rec: IncidentRec = {
      id: seq('PINC', number),
      number,
      title: input.title,
      status: 'triggered',
      urgency: input.urgency ?? 'high',
      serviceId,
      incidentKey,
      createdAt,
      updatedAt: createdAt,
      lastStatusChangeAt: createdAt,
      assignments: [{ at: createdAt, user: assignee }],
      acknowledgements: [],
      alerts: [],
      notes: [],
      lastActor: null,
    };
    const specs = input.alerts?.length ? input.alerts : [{}];
    specs.forEach((spec, i) => {
      rec.alerts.push(this.alert(spec, rec, service.name, i === 0 ? incidentKey : randomUUID().replaceAll('-', '')));
    });
    this.incidentsById.set(rec.id, rec);
    return rec;
  }

  private alert(spec: AlertSpec, incident: IncidentRec, serviceName: string, defaultKey: string): AlertRec {
    const custom = spec.firing !== undefined ? alertmanagerDetails(spec.firing) : spec.details;
    const fromAlertmanager = spec.firing !== undefined;
    const summary = spec.summary ?? incident.title;
    const severity = spec.severity ?? (fromAlertmanager ? 'error' : 'critical');
    const alertKey = spec.alertKey ?? defaultKey;
    const body: Record<string, unknown> = { type: 'alert_body', contexts: [] };
    if (custom !== undefined) body.details = custom;
    body.cef_details = {
      client: fromAlertmanager ? 'Alertmanager' : 'Causa simulator',
      client_url: fromAlertmanager ? 'http://alertmanager.local/#/alerts?receiver=pagerduty' : null,
      contexts: [],
      dedup_key: alertKey,
      description: summary,
      details: custom,
      event_class: null,
      message: summary,
      priority: null,
      reporter_component: null,
      reporter_location: null,
      severity,
      source_component: null,
      source_location: null,
      source_origin: fromAlertmanager ? 'Alertmanager' : serviceName,
      version: '1.0',
      ...spec.cef_details,
    };
    return {
      id: seq('PALR', ++this.counters.alert),
      status: spec.status ?? 'triggered',
      severity,
      summary,
      alertKey,
      createdAt: incident.createdAt,
      body,
    };
  }

  acknowledge(id: string, user: UserRec): IncidentRec {
    const rec = this.require(id);
    if (rec.status === 'resolved') throw new SimError(`incident ${id} is resolved`);
    const at = this.now();
    rec.status = 'acknowledged';
    rec.acknowledgements.push({ at, user });
    rec.updatedAt = rec.lastStatusChangeAt = at;
    rec.lastActor = user;
    return rec;
  }

  resolve(id: string, user: UserRec | null): IncidentRec {
    const rec = this.require(id);
    const at = this.now();
    rec.status = 'resolved';
    for (const a of rec.alerts) a.status = 'resolved';
    rec.updatedAt = rec.lastStatusChangeAt = at;
    rec.lastActor = user;
    return rec;
  }

  reassign(id: string, user: UserRec, by: UserRec | null): IncidentRec {
    const rec = this.require(id);
    const at = this.now();
    rec.assignments = [{ at, user }];
    // Reassigning an acknowledged incident puts it back to triggered for the new assignee.
    if (rec.status === 'acknowledged') {
      rec.status = 'triggered';
      rec.acknowledgements = [];
      rec.lastStatusChangeAt = at;
    }
    rec.updatedAt = at;
    rec.lastActor = by;
    return rec;
  }

  addNote(id: string, content: string, user: UserRec): NoteRec {
    const rec = this.require(id);
    const note = { id: seq('PNOT', ++this.counters.note), user, content, createdAt: this.now() };
    rec.notes.push(note);
    rec.lastActor = user;
    return note;
  }

  // --- shapes ---------------------------------------------------------------------------------------------------

  incidentUrl(id: string): string {
    return `${this.baseUrl}/incidents/${id}`;
  }

  userRef(u: UserRec): Ref {
    return {
      id: u.id,
      type: 'user_reference',
      summary: u.name,
      self: `${this.baseUrl}/users/${u.id}`,
      html_url: `${this.baseUrl}/users/${u.id}`,
    };
  }

  serviceRef(id: string): Ref {
    const s = this.services.get(id);
    return {
      id,
      type: 'service_reference',
      summary: s?.name ?? id,
      self: `${this.baseUrl}/services/${id}`,
      html_url: `${this.baseUrl}/services/${id}`,
    };
  }

  incidentRef(rec: IncidentRec): Ref {
    return {
      id: rec.id,
      type: 'incident_reference',
      summary: `[#${rec.number}] ${rec.title}`,
      self: this.incidentUrl(rec.id),
      html_url: this.incidentUrl(rec.id),
    };
  }

  escalationPolicyRef(): Ref {
    const { id, name } = DEFAULTS.escalationPolicy;
    return {
      id,
      type: 'escalation_policy_reference',
      summary: name,
      self: `${this.baseUrl}/escalation_policies/${id}`,
      html_url: `${this.baseUrl}/escalation_policies/${id}`,
    };
  }

  /** REST v2 incident: `incident_number`, `summary`, `assignments[].assignee`. */
  restIncident(rec: IncidentRec): SimIncident {
    const triggered = rec.alerts.filter((a) => a.status === 'triggered').length;
    return {
      id: rec.id,
      type: 'incident',
      summary: `[#${rec.number}] ${rec.title}`,
      self: this.incidentUrl(rec.id),
      html_url: this.incidentUrl(rec.id),
      incident_number: rec.number,
      title: rec.title,
      description: rec.title,
      created_at: rec.createdAt.toISOString(),
      updated_at: rec.updatedAt.toISOString(),
      last_status_change_at: rec.lastStatusChangeAt.toISOString(),
      status: rec.status,
      urgency: rec.urgency,
      incident_key: rec.incidentKey,
      service: this.serviceRef(rec.serviceId),
      priority: null,
      assignments: rec.assignments.map((a) => ({ at: a.at.toISOString(), assignee: this.userRef(a.user) })),
      acknowledgements: rec.acknowledgements.map((a) => ({
        at: a.at.toISOString(),
        acknowledger: this.userRef(a.user),
      })),
      escalation_policy: this.escalationPolicyRef(),
      teams: [],
      alert_counts: { all: rec.alerts.length, triggered, resolved: rec.alerts.length - triggered },
      incident_type: { name: 'incident_default' },
      resolve_reason: null,
      conference_bridge: null,
      is_mergeable: true,
    };
  }

  /** Webhook v3 incident (`data` of `incident.*` events): `number`, `assignees[]`, no alert bodies. */
  webhookIncident(rec: IncidentRec): Record<string, unknown> {
    return {
      id: rec.id,
      type: 'incident',
      self: this.incidentUrl(rec.id),
      html_url: this.incidentUrl(rec.id),
      number: rec.number,
      status: rec.status,
      incident_key: rec.incidentKey,
      created_at: rec.createdAt.toISOString(),
      title: rec.title,
      incident_type: { name: 'incident_default' },
      service: this.serviceRef(rec.serviceId),
      assignees: rec.assignments.map((a) => this.userRef(a.user)),
      escalation_policy: this.escalationPolicyRef(),
      teams: [],
      priority: null,
      urgency: rec.urgency,
      conference_bridge: null,
      resolve_reason: null,
    };
  }

  restAlert(rec: IncidentRec, a: AlertRec): SimAlert {
    return {
      id: a.id,
      type: 'alert',
      summary: a.summary,
      self: `${this.baseUrl}/alerts/${a.id}`,
      html_url: `${this.incidentUrl(rec.id)}/alerts/${a.id}`,
      status: a.status,
      severity: a.severity,
      alert_key: a.alertKey,
      created_at: a.createdAt.toISOString(),
      suppressed: false,
      incident: this.incidentRef(rec),
      service: this.serviceRef(rec.serviceId),
      body: structuredClone(a.body),
      integration: null,
    };
  }

  restNote(n: NoteRec): SimNote {
    return {
      id: n.id,
      user: this.userRef(n.user),
      channel: { summary: NOTE_CHANNEL },
      content: n.content,
      created_at: n.createdAt.toISOString(),
    };
  }
}
