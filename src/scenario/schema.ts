/**
 * Scenario files (`scenarios/*.yaml`): one incident per file, a coherent cluster served by the
 * Kubernetes API simulator. See scenarios/README.md for the authoring guide.
 */
import { z } from 'zod';
import { CAUSE_IDS } from '../domain/causes.js';

const KubeObjectSchema = z
  .object({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    metadata: z.object({ name: z.string().min(1), namespace: z.string().optional() }).loose(),
  })
  .loose();

export const ScenarioLogSchema = z.strictObject({
  namespace: z.string().min(1),
  pod: z.string().min(1),
  container: z.string().min(1),
  previous: z.boolean().default(false),
  text: z.string(),
});

export const ScenarioExpectSchema = z.strictObject({
  /** `kind/name` as typed on the CLI. */
  target: z.string().regex(/^[A-Za-z]+\/[a-z0-9.-]+$/),
  namespace: z.string().min(1),
  cause: z.enum(CAUSE_IDS),
  /** Lowest acceptable confidence (default: any). */
  confidence: z.enum(['high', 'medium', 'low']).optional(),
  /** Highest acceptable confidence (e.g. `medium` for distractor-heavy scenarios). */
  maxConfidence: z.enum(['high', 'medium', 'low']).optional(),
  /** Substrings the trigger must contain. */
  trigger: z.array(z.string()).optional(),
  /** The object the fix must patch, or `null` when no automatic fix is expected. */
  fix: z.strictObject({ kind: z.string(), name: z.string() }).nullable().optional(),
  /** Cause ids that must appear in ruledOut. */
  ruledOut: z.array(z.enum(CAUSE_IDS)).optional(),
});

export const ForbiddenRuleSchema = z.strictObject({
  verb: z.enum(['get', 'list', 'patch', '*']).default('*'),
  /** Plural resource (`events`, `pods`, `pods/log`, `nodes`, ...). */
  resource: z.string(),
  /** Namespace the rule applies to; omit for every namespace and cluster-wide calls. */
  namespace: z.string().optional(),
});

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().min(1),
  /** Served at /version (gitVersion), e.g. `v1.29.4`. */
  kubernetesVersion: z.string().default('v1.30.2'),
  /** The scenario's "now": every timestamp is shifted so that this instant equals the real now. */
  now: z.iso.datetime(),
  /** Context name used in the kubeconfig the simulator prints. */
  context: z.string().default('sim'),
  objects: z.array(KubeObjectSchema),
  logs: z.array(ScenarioLogSchema).default([]),
  /** RBAC denials the simulator enforces (403 Forbidden). */
  forbidden: z.array(ForbiddenRuleSchema).default([]),
  /** What `causa replay` investigates when no target is given (written by `causa snapshot`). */
  investigate: z.strictObject({ target: z.string(), namespace: z.string() }).optional(),
  expect: ScenarioExpectSchema.optional(),
});

export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type ScenarioExpect = z.infer<typeof ScenarioExpectSchema>;
