/**
 * A protocol-faithful Kubernetes API simulator served from a scenario (see scenarios/README.md):
 * discovery, lists with selectors and pagination, logs, patches, Status errors, Tables for kubectl.
 */
export type { KubeObject } from '../../domain/k8s.js';
export { buildKubeconfig } from './kubeconfig.js';
export { type Json, type JsonObject, jsonPatch, mergePatch, PatchError, strategicMerge } from './patch.js';
export {
  type FieldRequirement,
  type LabelRequirement,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors.js';
export {
  DEFAULT_TOKEN,
  type KubeSimulator,
  type KubeSimulatorOptions,
  type RequestRecord,
  SIM_USER,
  startKubeSimulator,
} from './server.js';
export { shiftScenarioTimes } from './time-shift.js';
