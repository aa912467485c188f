import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  INCIDENT_EVENT_TYPES,
  incidentIdOf,
  parseWebhook,
  RESPONDER_EVENT_TYPES,
  type WebhookEvent,
} from '../../src/pagerduty/schemas.js';
import { envelope, INCIDENT_DATA, INCIDENT_REF, NOTE_DATA, RESPONDER_DATA, STATUS_UPDATE_DATA } from './fixtures.js';

function ok(raw: unknown): WebhookEvent {
  const r = parseWebhook(raw);
  if (!r.ok) assert.fail(`expected ok, got ${r.error}`);
  return r.event;
}

function fails(raw: unknown): string {
  const r = parseWebhook(raw);
  if (r.ok) assert.fail(`expected an error, parsed ${r.event.event_type}`);
  return r.error;
}

describe('parseWebhook', () => {
  for (const type of INCIDENT_EVENT_TYPES) {
    it(`parses ${type} with an incident in data`, () => {
      const ev = ok(envelope(type, INCIDENT_DATA));
      assert.equal(ev.kind, 'incident');
      assert.equal(ev.event_type, type);
      assert.equal(incidentIdOf(ev), 'PGR0VU2');
      if (ev.kind !== 'incident') return;
      assert.equal(ev.id, '5ac64822-4adc-4fda-ade0-410becf0de4f');
      assert.equal(ev.resource_type, 'incident');
      assert.equal(ev.occurred_at, '2020-10-02T18:45:22.169Z');
      assert.equal(ev.agent?.id, 'PLH1HKV');
      assert.equal(ev.client?.name, 'PagerDuty');
      assert.equal(ev.data.number, 2);
      assert.equal(ev.data.title, 'A little bump in the road');
      assert.equal(ev.data.status, 'triggered');
      assert.equal(ev.data.urgency, 'high');
      assert.equal(ev.data.html_url, 'https://acme.pagerduty.com/incidents/PGR0VU2');
      assert.deepEqual(
        { id: ev.data.service.id, summary: ev.data.service.summary },
        { id: 'PF9KMXH', summary: 'API Service' },
      );
      assert.deepEqual(
        ev.data.assignees.map((a) => a.summary),
        ['User 123'],
      );
      assert.equal(ev.data.priority?.summary, 'P1');
    });
  }

  it('parses each incident status and keeps unknown extra fields', () => {
    for (const status of ['triggered', 'acknowledged', 'resolved'] as const) {
      const ev = ok(envelope('incident.acknowledged', { ...INCIDENT_DATA, status, brand_new_field: 1 }));
      assert.equal(ev.kind === 'incident' && ev.data.status, status);
      assert.equal(ev.kind === 'incident' && ev.data.brand_new_field, 1);
    }
  });

  it('accepts null agent/client (and missing optional incident fields)', () => {
    const { priority, escalation_policy, teams, assignees, conference_bridge, ...minimal } = INCIDENT_DATA;
    void [priority, escalation_policy, teams, assignees, conference_bridge];
    const ev = ok(envelope('incident.triggered', { ...minimal, priority: null }, { agent: null, client: null }));
    assert.equal(ev.agent, null);
    assert.equal(ev.client, null);
    assert.equal(ev.kind === 'incident' && ev.data.assignees.length, 0);
  });

  it('parses incident.annotated as an incident_note with an incident reference', () => {
    const ev = ok(envelope('incident.annotated', NOTE_DATA));
    assert.equal(ev.kind, 'annotated');
    if (ev.kind !== 'annotated') return;
    assert.equal(ev.data.content, 'Root cause: probe timeout');
    assert.equal(ev.data.id, 'P2LA89X');
    assert.equal(ev.data.trimmed, false);
    assert.equal(ev.data.incident.id, 'PGR0VU2');
    assert.equal(incidentIdOf(ev), 'PGR0VU2');
  });

  for (const type of RESPONDER_EVENT_TYPES) {
    it(`parses ${type} as an incident_responder`, () => {
      const ev = ok(envelope(type, RESPONDER_DATA));
      assert.equal(ev.kind, 'responder');
      assert.equal(ev.kind === 'responder' && ev.data.state, 'pending');
      assert.equal(incidentIdOf(ev), 'PGR0VU2');
    });
  }

  it('parses incident.status_update_published', () => {
    const ev = ok(envelope('incident.status_update_published', STATUS_UPDATE_DATA));
    assert.equal(ev.kind, 'status_update');
    assert.equal(ev.kind === 'status_update' && ev.data.message, 'We are investigating');
    assert.equal(incidentIdOf(ev), 'PGR0VU2');
  });

  it('keeps unknown and not-modelled event types as other', () => {
    const cases: [string, unknown, string | null][] = [
      ['incident.task.created', { incident: INCIDENT_REF, id: 'PT1', type: 'incident_task' }, 'PGR0VU2'],
      ['incident.workflow.started', { incident: INCIDENT_REF, type: 'incident_workflow_instance' }, 'PGR0VU2'],
      ['incident.custom_field_values.updated', { incident: INCIDENT_REF, type: 'incident_field_values' }, 'PGR0VU2'],
      ['incident.conference_bridge.updated', { incident: INCIDENT_REF, type: 'incident_conference_bridge' }, 'PGR0VU2'],
      ['incident.role.assigned', { incident: INCIDENT_REF, type: 'incident_role_assignment' }, 'PGR0VU2'],
      ['incident.action_invocation.created', { incident: INCIDENT_REF }, 'PGR0VU2'],
      ['service.created', { id: 'PF9KMXH', type: 'service', name: 'API' }, null],
      ['service.custom_field_values.updated', { service: { id: 'PF9KMXH' }, type: 'service_field_values' }, null],
      ['pagey.ping', { message: 'Hello from your friend Pagey!', type: 'ping' }, null],
      ['incident.brand_new_thing', { id: 'PGR0VU2', type: 'incident' }, 'PGR0VU2'],
      ['something.else', null, null],
    ];
    for (const [type, data, incidentId] of cases) {
      const ev = ok(envelope(type, data));
      assert.equal(ev.kind, 'other', type);
      assert.equal(ev.event_type, type);
      assert.deepEqual(ev.data, data);
      assert.equal(incidentIdOf(ev), incidentId, type);
    }
  });

  it('rejects bodies that are not a v3 envelope', () => {
    for (const raw of [null, 'text', 42, [], {}, { event: null }, { messages: [] }]) fails(raw);
    assert.match(fails({ event: { event_type: 'incident.triggered' } }), /event\.id/);
    const { id, ...noId } = envelope('incident.triggered', INCIDENT_DATA).event;
    void id;
    assert.match(fails({ event: noId }), /event\.id/);
    const { occurred_at, ...noTime } = envelope('incident.triggered', INCIDENT_DATA).event;
    void occurred_at;
    assert.match(fails({ event: noTime }), /occurred_at/);
  });

  it('rejects known event types whose data has the wrong shape', () => {
    assert.match(fails(envelope('incident.triggered', { ...INCIDENT_DATA, number: '2' })), /event\.data\.number/);
    assert.match(fails(envelope('incident.resolved', { ...INCIDENT_DATA, status: 'closed' })), /event\.data\.status/);
    assert.match(fails(envelope('incident.triggered', { ...INCIDENT_DATA, service: undefined })), /service/);
    assert.match(fails(envelope('incident.triggered', NOTE_DATA)), /incident\.triggered/);
    const { content, ...noContent } = NOTE_DATA;
    void content;
    assert.match(fails(envelope('incident.annotated', noContent)), /content/);
    assert.match(fails(envelope('incident.annotated', INCIDENT_DATA)), /incident\.annotated/);
    assert.match(fails(envelope('incident.responder.added', { type: 'incident_responder' })), /incident/);
  });
});
