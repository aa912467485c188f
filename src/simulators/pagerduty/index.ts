/**
 * A protocol-faithful PagerDuty simulator: the REST API v2 subset the bot uses (for the real `@pagerduty/pdjs`;
 * point `PAGERDUTY_API_URL` at `url`) and signed v3 webhook delivery.
 */
export { startPagerDutySimulator } from './server.js';
export { alertmanagerDetails } from './state.js';
export {
  type AddIncidentInput,
  type AlertSpec,
  DEFAULTS as PAGERDUTY_SIM_DEFAULTS,
  type PagerDutySimulator,
  type PagerDutySimulatorOptions,
  type RequestRecord,
  type SendWebhookInput,
  type SimAlert,
  type SimIncident,
  type SimNote,
  type SimService,
  type SimUserInput,
  type WebhookDelivery,
} from './types.js';
