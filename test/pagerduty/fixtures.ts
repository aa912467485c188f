/** Webhook v3 payloads as PagerDuty documents them (protocols.md B.1, PagerDuty/developer-docs webhooks). */

export const AGENT = {
  id: 'PLH1HKV',
  type: 'user_reference',
  summary: 'Tenex Engineer',
  self: 'https://api.pagerduty.com/users/PLH1HKV',
  html_url: 'https://acme.pagerduty.com/users/PLH1HKV',
};

export const INCIDENT_DATA = {
  id: 'PGR0VU2',
  type: 'incident',
  self: 'https://api.pagerduty.com/incidents/PGR0VU2',
  html_url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
  number: 2,
  status: 'triggered',
  incident_key: 'd3640fbd41094207a1c11e58e46b1662',
  created_at: '2020-04-09T15:16:27Z',
  reopened_at: '2020-10-02T18:45:22Z',
  title: 'A little bump in the road',
  incident_type: { name: 'major' },
  service: {
    id: 'PF9KMXH',
    type: 'service_reference',
    summary: 'API Service',
    self: 'https://api.pagerduty.com/services/PF9KMXH',
    html_url: 'https://acme.pagerduty.com/service-directory/PF9KMXH',
  },
  assignees: [
    {
      id: 'PTUXL6G',
      type: 'user_reference',
      summary: 'User 123',
      self: 'https://api.pagerduty.com/users/PTUXL6G',
      html_url: 'https://acme.pagerduty.com/users/PTUXL6G',
    },
  ],
  escalation_policy: {
    id: 'PUS0KTE',
    type: 'escalation_policy_reference',
    summary: 'Default',
    self: 'https://api.pagerduty.com/escalation_policies/PUS0KTE',
    html_url: 'https://acme.pagerduty.com/escalation_policies/PUS0KTE',
  },
  teams: [
    {
      id: 'PFCVPS0',
      type: 'team_reference',
      summary: 'Engineering',
      self: 'https://api.pagerduty.com/teams/PFCVPS0',
      html_url: 'https://acme.pagerduty.com/teams/PFCVPS0',
    },
  ],
  priority: {
    id: 'PSO75BM',
    type: 'priority_reference',
    summary: 'P1',
    self: 'https://api.pagerduty.com/priorities/PSO75BM',
    html_url: 'https://acme.pagerduty.com/account/incident_priorities',
  },
  urgency: 'high',
  conference_bridge: { conference_number: '+1 1234123412,,987654321#', conference_url: 'https://example.com' },
  resolve_reason: null,
};

export const INCIDENT_REF = {
  id: 'PGR0VU2',
  type: 'incident_reference',
  self: 'https://api.pagerduty.com/incidents/PGR0VU2',
  html_url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
};

export const NOTE_DATA = {
  incident: INCIDENT_REF,
  id: 'P2LA89X',
  content: 'Root cause: probe timeout',
  trimmed: false,
  type: 'incident_note',
};

export const RESPONDER_DATA = {
  incident: INCIDENT_REF,
  user: AGENT,
  escalation_policy: null,
  message: 'Please help with "A little bump in the road"',
  state: 'pending',
  type: 'incident_responder',
};

export const STATUS_UPDATE_DATA = {
  id: 'PWL7QXS',
  incident: INCIDENT_REF,
  message: 'We are investigating',
  type: 'incident_status_update',
};

export function envelope(eventType: string, data: unknown, extra: Record<string, unknown> = {}) {
  return {
    event: {
      id: '5ac64822-4adc-4fda-ade0-410becf0de4f',
      event_type: eventType,
      resource_type: eventType.split('.')[0],
      occurred_at: '2020-10-02T18:45:22.169Z',
      agent: AGENT,
      client: { name: 'PagerDuty' },
      data,
      ...extra,
    },
  };
}
