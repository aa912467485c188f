/**
 * The persistence layer: one SQLite file (better-sqlite3, WAL), migrated at open, and one typed
 * repository per table group. `main.ts` creates it once and passes the repositories on.
 */
import type { Database } from 'better-sqlite3';
import { type ActionsRepo, createActionsRepo } from './actions.js';
import { type ApprovalsRepo, createApprovalsRepo } from './approvals.js';
import { type AuditRepo, createAuditRepo } from './audit.js';
import type { Now } from './clock.js';
import { createFeedbackRepo, type FeedbackRepo } from './feedback.js';
import { createIncidentsRepo, type IncidentsRepo } from './incidents.js';
import { createInvestigationsRepo, type InvestigationsRepo } from './investigations.js';
import type { MigrateResult } from './migrate.js';
import { openDatabaseWithReport } from './open-database.js';
import { createStepsRepo, type StepsRepo } from './steps.js';
import { createWebhookEventsRepo, type WebhookEventsRepo, type WebhookQueueOptions } from './webhook-events.js';

export interface StoreOptions {
  /** Default: `<repo>/migrations/`. */
  migrationsDir?: string | URL;
  /** Clock for every timestamp the store writes (tests pass a fixed one). */
  now?: Now;
  webhookQueue?: Omit<WebhookQueueOptions, 'now'>;
  /** Hold the database file for this process alone (leader election; see openDatabase). */
  exclusive?: boolean;
  busyTimeoutMs?: number;
}

export interface Store {
  db: Database;
  /** What opening did to the schema (for the start-up log line). */
  migrations: MigrateResult;
  investigations: InvestigationsRepo;
  steps: StepsRepo;
  incidents: IncidentsRepo;
  webhookEvents: WebhookEventsRepo;
  actions: ActionsRepo;
  approvals: ApprovalsRepo;
  feedback: FeedbackRepo;
  audit: AuditRepo;
  /** Closes the connection (idempotent). */
  close(): void;
}

/** Opens `file` (`:memory:` for tests), applies pending migrations, builds the repositories. */
export function createStore(file: string, options: StoreOptions = {}): Store {
  const { db, migrations } = openDatabaseWithReport(file, {
    ...(options.migrationsDir !== undefined && { migrationsDir: options.migrationsDir }),
    ...(options.now !== undefined && { now: options.now }),
    ...(options.exclusive !== undefined && { exclusive: options.exclusive }),
    ...(options.busyTimeoutMs !== undefined && { busyTimeoutMs: options.busyTimeoutMs }),
  });
  const repo = options.now !== undefined ? { now: options.now } : {};
  return {
    db,
    migrations,
    investigations: createInvestigationsRepo(db, repo),
    steps: createStepsRepo(db, repo),
    incidents: createIncidentsRepo(db, repo),
    webhookEvents: createWebhookEventsRepo(db, { ...options.webhookQueue, ...repo }),
    actions: createActionsRepo(db, repo),
    approvals: createApprovalsRepo(db, repo),
    feedback: createFeedbackRepo(db, repo),
    audit: createAuditRepo(db, repo),
    close() {
      if (db.open) db.close();
    },
  };
}

export type {
  ActionKind,
  ActionRow,
  ActionRowKind,
  ActionRunFinish,
  ActionRunRow,
  ActionRunStatus,
  ActionSpec,
  ActionsRepo,
} from './actions.js';
export { ACTION_KINDS, ActionKindSchema, ActionSpecSchema } from './actions.js';
export type {
  AddApprovalResult,
  ApprovalOutcome,
  ApprovalRow,
  ApprovalStatus,
  ApprovalsRepo,
  ApprovalVote,
  NewApproval,
  TransitionExtra,
} from './approvals.js';
export { APPROVAL_STATUSES, APPROVAL_TRANSITIONS, isLegalTransition } from './approvals.js';
export type { AuditDetail, AuditEntry, AuditQuery, AuditRepo, NewAuditEntry } from './audit.js';
export type { Now, RepoOptions } from './clock.js';
export { isMigrationError, isStoredDataError, MigrationError, StoredDataError } from './errors.js';
export type { FeedbackRepo, FeedbackRow, NewFeedback, Verdict } from './feedback.js';
export { newId, randomBase32 } from './ids.js';
export type {
  IncidentInput,
  IncidentRow,
  IncidentStatus,
  IncidentsRepo,
  IncidentUrgency,
  StatusChange,
} from './incidents.js';
export type {
  CompleteInvestigation,
  FailInvestigation,
  InvestigationRow,
  InvestigationStatus,
  InvestigationsRepo,
  InvestigationTarget,
  InvestigationTrigger,
  NewInvestigation,
  SlackThread,
  StepNotes,
} from './investigations.js';
export type { AppliedMigration, MigrateResult, MigrationFile } from './migrate.js';
export { appliedMigrations, DEFAULT_MIGRATIONS_DIR, migrate, readMigrations } from './migrate.js';
export { openDatabase, openDatabaseWithReport } from './open-database.js';
export type { StepFinish, StepOutcome, StepRunRow, StepRunStatus, StepsRepo } from './steps.js';
export type { NewWebhookEvent, WebhookEventRow, WebhookEventsRepo, WebhookQueueOptions } from './webhook-events.js';
