/**
 * A protocol-faithful Slack simulator the real Bolt app connects to (SLACK_API_URL / clientOptions.slackApiUrl):
 * Web API, Socket Mode, signed HTTP delivery, response_urls, file uploads, Block Kit validation, rate limits.
 */
export { signSlackRequest } from './http.js';
export { startSlackSimulator } from './server.js';
export {
  type ApiCallRecord,
  DEFAULTS as SLACK_SIM_DEFAULTS,
  type DeliveryResult,
  type ReactionRecord,
  type SlackSimulator,
  type SlackSimulatorOptions,
  type StoredEphemeral,
  type StoredFile,
  type StoredMessage,
  type StoredView,
} from './types.js';
