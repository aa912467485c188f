/** The investigation result: the JSON contract of `causa investigate --output json` (interface.md §2). */
import { z } from 'zod';
import { CAUSE_IDS } from './causes.js';

export const ConfidenceSchema = z.enum(['high', 'medium', 'low']);
export type Confidence = z.infer<typeof ConfidenceSchema>;

export const EvidenceKindSchema = z.enum(['event', 'status', 'log', 'spec', 'rollout', 'metric']);

export const EvidenceSchema = z.object({
  kind: EvidenceKindSchema,
  /** `namespace/Kind/name` (cluster-scoped objects use `default/` like their events, e.g. `default/Node/x`). */
  ref: z.string(),
  time: z.string().nullable(),
  text: z.string(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const ResourceRefSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
});
export type ResourceRef = z.infer<typeof ResourceRefSchema>;

export const FixSchema = z.object({
  summary: z.string(),
  resource: ResourceRefSchema,
  patchType: z.enum(['strategic', 'merge', 'json']),
  patch: z.unknown(),
});
export type Fix = z.infer<typeof FixSchema>;

export const CauseIdSchema = z.enum(CAUSE_IDS);

export const RootCauseSchema = z.object({
  id: CauseIdSchema,
  summary: z.string(),
  confidence: ConfidenceSchema,
  signals: z.number().int().nonnegative(),
  trigger: z.string().nullable(),
  evidence: z.array(EvidenceSchema),
  fix: FixSchema.nullable(),
  /** Words for the responder when no safe automatic patch exists (extension of the contract). */
  advice: z.string().nullable(),
});
export type RootCause = z.infer<typeof RootCauseSchema>;

export const HypothesisSchema = z.object({
  id: CauseIdSchema,
  confidence: ConfidenceSchema,
  signals: z.number().int().nonnegative(),
  summary: z.string(),
});
export type HypothesisSummary = z.infer<typeof HypothesisSchema>;

export const StepStatusSchema = z.enum(['ok', 'empty', 'error', 'skipped']);
export type StepStatus = z.infer<typeof StepStatusSchema>;

export const StepReportSchema = z.object({
  name: z.string(),
  status: StepStatusSchema,
  durationMs: z.number().nonnegative(),
  apiCalls: z.number().int().nonnegative(),
  error: z.string().nullable(),
  /** Extension: forbidden/missing evidence as `verb resource [in ns]` (null when none). */
  missing: z.array(z.string()).optional(),
});
export type StepReport = z.infer<typeof StepReportSchema>;

export const InvestigationResultSchema = z.object({
  target: z.object({
    kind: z.string(),
    namespace: z.string(),
    name: z.string(),
    context: z.string().nullable(),
  }),
  rootCause: RootCauseSchema,
  hypotheses: z.array(HypothesisSchema),
  ruledOut: z.array(z.object({ id: CauseIdSchema, reason: z.string() })),
  timeline: z.array(z.object({ time: z.string(), text: z.string(), ref: z.string() })),
  steps: z.array(StepReportSchema),
  stats: z.object({ durationMs: z.number().nonnegative(), apiCalls: z.number().int().nonnegative() }),
});
export type InvestigationResult = z.infer<typeof InvestigationResultSchema>;
