/**
 * PagerDuty incidents → Slack threads. A triggered incident is routed (service → channel, cluster,
 * namespace), its target resolved from the alerts, and investigated in a thread whose parent shows
 * the incident; later events (acknowledged, resolved, reassigned, escalated, annotated) edit that
 * parent in place or add to the thread. Alert storms share one thread: incidents about the same
 * workload within the group window at once, and incidents about different workloads when their
 * evidence fingerprints share the trigger (one node loss breaking several services). The root cause
 * goes back to PagerDuty as a note, once.
 */
import type { FileConfig } from '../config/schema.js';
import type { InvestigationResult } from '../domain/result.js';
import { evidenceFingerprint, sharedTrigger } from '../engine/evidence-fingerprint.js';
import { type Investigation, investigate } from '../engine/investigate.js';
import type { PagerDutyClient } from '../pagerduty/client.js';
import type { WebhookEvent, WebhookIncident, WebhookNote } from '../pagerduty/schemas.js';
import { parseWebhook } from '../pagerduty/schemas.js';
import { resolveTarget } from '../pagerduty/target.js';
import { type ParentState, renderParent } from '../slack/blocks/index.js';
import { steps as registry } from '../steps/index.js';
import type { IncidentRow, WebhookEventRow } from '../store/index.js';
import type { BotDeps } from './deps.js';
import { runInThread, stepStatus, type Thread, track } from './thread-run.js';

export interface PagerDutyOptions {
  client: PagerDutyClient | null;
  fromEmail: string | null;
}

type Route = FileConfig['routes'][number];

/** How long a storm check waits for another incident's investigation still running. */
const STORM_WAIT_MS = 45_000;

/** `context|Kind|namespace|name` → `kind/name in namespace`. */
function workloadOf(fingerprint: string): string | null {
  const [, kind, namespace, name] = fingerprint.split('|');
  return kind && name ? `${kind.toLowerCase()}/${name}${namespace ? ` in ${namespace}` : ''}` : null;
}

function stepsFrom(result: InvestigationResult | null): ParentState['steps'] {
  return registry.map((s) => {
    const r = result?.steps.find((x) => x.name === s.id);
    return { name: s.id, title: s.title, status: r ? stepStatus(r) : 'pending' };
  });
}

export interface IncidentService {
  handle(row: WebhookEventRow): Promise<void>;
  /** The parent message of a thread owned by incidents, as it should look now. */
  render(owner: IncidentRow): ReturnType<typeof renderParent>;
}

export function createIncidentService(deps: BotDeps, pd: PagerDutyOptions): IncidentService {
  const { store, sender, log } = deps;
  /** Live parent states of running investigations, by incident id (their checklist is in flight). */
  const live = new Map<string, ParentState>();
  /** Investigations still running, by incident id (a storm candidate's evidence is awaited, bounded). */
  const running = new Map<string, Promise<unknown>>();

  const threadOf = (row: IncidentRow): Thread | null =>
    row.slackChannel && row.parentTs ? { channel: row.slackChannel, parentTs: row.parentTs } : null;

  /** The incident whose thread it is (the first one posted there) and the others grouped into it. */
  const group = (thread: Thread) => {
    const all = store.incidents
      .findByThread(thread.channel, thread.parentTs)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return { owner: all[0] ?? null, all };
  };

  const stateFor = (owner: IncidentRow, base?: ParentState): ParentState => {
    const thread = threadOf(owner);
    const members = thread ? group(thread).all : [owner];
    const inv = owner.latestInvestigationId ? store.investigations.get(owner.latestInvestigationId) : null;
    const result = inv?.result ?? null;
    const state: ParentState = base
      ? { ...base }
      : {
          target: inv?.target ?? { kind: 'Incident', name: `#${owner.number ?? '?'}`, namespace: '', context: null },
          status:
            inv?.status === 'running'
              ? 'investigating'
              : result
                ? result.rootCause.id === 'unknown'
                  ? 'unknown'
                  : 'root-cause'
                : inv?.status === 'failed'
                  ? 'failed'
                  : 'investigating',
          steps: inv ? stepsFrom(result) : [],
          ...(result
            ? {
                rootCause: {
                  id: result.rootCause.id,
                  summary: result.rootCause.summary,
                  confidence: result.rootCause.confidence,
                  signals: result.rootCause.signals,
                },
              }
            : {}),
        };
    state.incident = {
      number: owner.number ?? 0,
      title: owner.title,
      url: owner.htmlUrl ?? '',
      urgency: owner.urgency ?? 'unknown',
      service: owner.serviceName ?? owner.serviceId ?? 'unknown',
    };
    const others = members.filter((m) => m.id !== owner.id);
    if (others.length > 0)
      state.related = others.map((m) => {
        const workload = m.fingerprint && m.fingerprint !== owner.fingerprint ? workloadOf(m.fingerprint) : null;
        return {
          number: m.number ?? 0,
          title: m.title,
          url: m.htmlUrl ?? '',
          status: m.status,
          ...(workload ? { workload } : {}),
        };
      });
    if (members.every((m) => m.status === 'resolved')) {
      state.status = 'resolved';
      state.resolvedAt =
        members
          .map((m) => m.resolvedAt ?? '')
          .sort()
          .at(-1) || undefined;
    } else {
      const acked = members.find((m) => m.status === 'acknowledged');
      if (acked && owner.status !== 'triggered') {
        state.status = 'acknowledged';
        state.ackBy = acked.ackBy ?? undefined;
      }
    }
    return state;
  };

  const render = (owner: IncidentRow) => renderParent(stateFor(owner, live.get(owner.id)));

  const refresh = async (thread: Thread) => {
    const { owner } = group(thread);
    if (owner) await sender.update(thread.channel, thread.parentTs, render(owner));
  };

  /** The evidence fingerprint of an incident's latest concluded investigation (awaiting one still running). */
  const evidenceOf = async (row: IncidentRow, waitMs: number) => {
    const pending = running.get(row.id);
    if (pending) await Promise.race([pending, new Promise((r) => setTimeout(r, waitMs).unref())]);
    const latest = store.incidents.get(row.id)?.latestInvestigationId;
    const result = latest ? store.investigations.get(latest)?.result : null;
    return result ? evidenceFingerprint(result) : null;
  };

  /** Cross-workload storm candidates: other open incidents with a thread, in the group window and the same cluster. */
  const stormCandidates = (incidentId: string, context: string | null, since: Date) =>
    store.incidents
      .listOpen()
      .filter((r) => r.id !== incidentId && r.createdAt >= since.toISOString() && threadOf(r))
      .filter((r) => (r.fingerprint ?? '').split('|')[0] === (context ?? ''));

  /** The first candidate whose evidence shares this investigation's trigger: its thread and why. */
  const findEvidenceGroup = async (ran: Investigation, candidates: IncidentRow[]) => {
    const mine = evidenceFingerprint(ran.result);
    if (!mine) return null;
    for (const c of candidates) {
      const theirs = await evidenceOf(c, STORM_WAIT_MS);
      const why = theirs ? sharedTrigger(mine, theirs) : null;
      if (why) return { thread: threadOf(c)!, why };
    }
    return null;
  };

  const routeFor = (serviceId: string): Route | null =>
    deps.config.routes.find((r) => r.pagerdutyService === serviceId) ?? null;

  const postNote = async (incidentId: string, thread: Thread, result: InvestigationResult) => {
    if (!pd.client || !pd.fromEmail) return;
    if (store.audit.list({ target: incidentId, limit: 500 }).some((a) => a.action === 'pagerduty.note')) return;
    const rc = result.rootCause;
    const link = await sender.permalink(thread.channel, thread.parentTs).catch(() => null);
    const content = [
      `Causa root cause (${rc.confidence}, ${rc.signals} corroborating signals): ${rc.summary}`,
      rc.trigger ? `Trigger: ${rc.trigger}` : null,
      rc.fix ? `Suggested fix: ${rc.fix.summary}` : rc.advice ? `Advice: ${rc.advice}` : null,
      link ? `Slack thread: ${link}` : null,
    ]
      .filter(Boolean)
      .join('\n');
    try {
      await pd.client.createNote(incidentId, content, { from: pd.fromEmail });
      store.audit.append({ actor: 'causa', action: 'pagerduty.note', target: incidentId, detail: { cause: rc.id } });
    } catch (err) {
      log.warn('could not post the PagerDuty note', { incident: incidentId, err: (err as Error).message });
      deps.metrics.pagerdutyErrors.inc({ operation: 'note' });
    }
  };

  const onTriggered = async (inc: WebhookIncident) => {
    const { incident: existing } = store.incidents.upsert({
      id: inc.id,
      title: inc.title,
      number: inc.number,
      urgency: inc.urgency,
      serviceId: inc.service.id,
      serviceName: inc.service.summary ?? null,
      htmlUrl: inc.html_url ?? null,
      status: inc.status,
    });
    const known = threadOf(existing);
    if (known) {
      // A second trigger for an incident that already has a thread (another delivery, the poller, or
      // this event again after a crash mid-processing): reuse the thread, post nothing new.
      log.info('incident already has a thread; reused', { incident: inc.id });
      await refresh(known);
      return;
    }
    const route = routeFor(inc.service.id);
    const channel = route?.channel ?? deps.config.slack.defaultChannel;
    if (!channel) {
      log.error('incident has no route and no slack.defaultChannel is configured; not posted', { incident: inc.id });
      return;
    }
    const alerts = pd.client
      ? await pd.client.listIncidentAlerts(inc.id).catch((err) => {
          log.warn('could not read the incident alerts; falling back to the title', {
            incident: inc.id,
            err: (err as Error).message,
          });
          return [];
        })
      : [];
    const target = resolveTarget(alerts, inc.title, { namespace: route?.namespace, cluster: route?.cluster });
    const clusterName = target?.context ?? route?.cluster;
    const context = clusterName
      ? (deps.config.clusters.find((c) => c.name === clusterName)?.context ?? clusterName)
      : null;
    const fingerprint = target ? `${context ?? ''}|${target.kind}|${target.namespace}|${target.name}` : null;
    if (fingerprint) store.incidents.upsert({ id: inc.id, title: inc.title, fingerprint });

    // Storm: an open incident about the same workload with a thread, within the group window.
    const since = new Date(deps.now().getTime() - deps.config.pagerduty.groupWindowMinutes * 60_000);
    const sibling = fingerprint ? store.incidents.findOpenByFingerprint(fingerprint, since) : null;
    const siblingThread = sibling && sibling.id !== inc.id ? threadOf(sibling) : null;
    if (siblingThread) {
      store.incidents.setThread(inc.id, siblingThread.channel, siblingThread.parentTs);
      await sender.post(
        siblingThread.channel,
        {
          text: `➕ Also paged for this: PagerDuty #${inc.number} ${inc.title}${inc.html_url ? ` (${inc.html_url})` : ''}`,
        },
        siblingThread.parentTs,
      );
      await refresh(siblingThread);
      return;
    }

    // Another workload's incident is open: investigate first, then join its thread if the evidence
    // shows one trigger behind both (else this incident gets its own thread, with this same run).
    let precomputed: Investigation | null = null;
    const candidates = target ? stormCandidates(inc.id, context, since) : [];
    if (target && candidates.length > 0) {
      precomputed = await deps.readers
        .get(context)
        .then((reader) =>
          investigate({
            reader,
            request: { kind: target.kind, name: target.name, namespace: target.namespace, context: reader.context },
            now: deps.now,
          }),
        )
        .catch((err) => {
          log.warn('storm check: investigation failed; the incident gets its own thread', {
            incident: inc.id,
            err: (err as Error).message,
          });
          return null;
        });
      const joined = precomputed ? await findEvidenceGroup(precomputed, candidates) : null;
      if (precomputed && joined) {
        const rc = precomputed.result.rootCause;
        store.incidents.setThread(inc.id, joined.thread.channel, joined.thread.parentTs);
        await sender.post(
          joined.thread.channel,
          {
            text: `➕ Also paged for this: PagerDuty #${inc.number} ${inc.title}${inc.html_url ? ` (${inc.html_url})` : ''}
${target.kind.toLowerCase()}/${target.name} in ${target.namespace}: ${rc.summary} (${rc.confidence}). Grouped here: ${joined.why}.`,
          },
          joined.thread.parentTs,
        );
        await refresh(joined.thread);
        startInvestigation(inc.id, target, context, joined.thread, { precomputed, compact: true });
        return;
      }
    }

    const row = store.incidents.get(inc.id)!;
    const ts = await sender.post(channel, render(row));
    store.incidents.setThread(inc.id, channel, ts);
    const thread = { channel, parentTs: ts };
    if (!route)
      await sender.post(
        channel,
        {
          text: `ℹ️ No route for PagerDuty service ${inc.service.summary ?? inc.service.id}: posted in the default channel. Add it under \`routes:\` in causa.yaml.`,
        },
        ts,
      );
    if (!target) {
      await sender.post(
        channel,
        {
          text: '🤷 Could not tell which Kubernetes object this incident is about. Give the alert `namespace` plus one of `deployment`, `statefulset`, `daemonset`, `job`, `pod`, `node`, `service` labels, or put `kind/name` in the title; or run `/causa investigate <kind>/<name> -n <ns>` here.',
        },
        ts,
      );
      return;
    }
    startInvestigation(inc.id, target, context, thread, { precomputed });
  };

  /**
   * The investigation runs on; the webhook event is done once the thread exists (a restart resumes
   * it). In a thread shared with other incidents the parent stays the thread owner's.
   */
  const startInvestigation = (
    incidentId: string,
    target: { kind: string; name: string; namespace: string },
    context: string | null,
    thread: Thread,
    opts: { precomputed?: Investigation | null; compact?: boolean },
  ) => {
    const work = track(
      runInThread(deps, {
        target: { kind: target.kind, name: target.name, namespace: target.namespace, context },
        channel: thread.channel,
        requestedBy: null,
        trigger: 'pagerduty',
        thread,
        incidentId,
        ...(opts.precomputed ? { precomputed: opts.precomputed } : {}),
        ...(opts.compact ? { compact: true } : {}),
        renderParent: (state) => {
          const { owner } = group(thread);
          if (!owner || owner.id === incidentId) live.set(incidentId, state);
          return render(owner ?? store.incidents.get(incidentId)!);
        },
      })
        .then(async (outcome) => {
          live.delete(incidentId);
          store.incidents.setLatestInvestigation(incidentId, outcome.investigationId);
          await refresh(thread);
          if (outcome.result) await postNote(incidentId, thread, outcome.result);
        })
        .catch((err) => log.error('incident investigation failed', { incident: incidentId, err }))
        .finally(() => running.delete(incidentId)),
    );
    running.set(incidentId, work);
  };

  const onLifecycle = async (event: WebhookEvent & { kind: 'incident' }) => {
    const inc = event.data;
    const row = store.incidents.get(inc.id);
    if (!row) {
      log.info('event for an incident Causa never saw; ignored', { incident: inc.id, type: event.event_type });
      return;
    }
    const who = event.agent?.summary ?? inc.assignees[0]?.summary ?? null;
    switch (event.event_type) {
      case 'incident.acknowledged':
        store.incidents.setStatus(inc.id, 'acknowledged', { ackBy: who });
        break;
      case 'incident.unacknowledged':
        store.incidents.setStatus(inc.id, 'triggered');
        break;
      case 'incident.resolved':
        store.incidents.setStatus(inc.id, 'resolved', { resolvedAt: new Date(event.occurred_at) });
        break;
      default:
        break;
    }
    const thread = threadOf(row);
    if (!thread) return;
    const words: Record<string, string> = {
      'incident.acknowledged': `👀 PagerDuty #${inc.number} acknowledged${who ? ` by ${who}` : ''}.`,
      'incident.unacknowledged': `↩️ PagerDuty #${inc.number} unacknowledged.`,
      'incident.resolved': `✅ PagerDuty #${inc.number} resolved${who ? ` by ${who}` : ''}.`,
      'incident.reassigned': `👤 PagerDuty #${inc.number} reassigned to ${inc.assignees.map((a) => a.summary).join(', ') || 'someone'}.`,
      'incident.escalated': `⏫ PagerDuty #${inc.number} escalated${inc.assignees.length ? ` to ${inc.assignees.map((a) => a.summary).join(', ')}` : ''}.`,
      'incident.priority_updated': `🏷️ PagerDuty #${inc.number} priority is now ${inc.priority?.summary ?? 'unset'}.`,
    };
    const text = words[event.event_type];
    if (text) await sender.post(thread.channel, { text }, thread.parentTs);
    await refresh(thread);
  };

  const onAnnotated = async (event: WebhookEvent & { kind: 'annotated' }, note: WebhookNote) => {
    const row = store.incidents.get(note.incident.id);
    const thread = row ? threadOf(row) : null;
    if (!thread) {
      log.info('note on an incident without a thread; ignored', { incident: note.incident.id });
      return;
    }
    if (event.agent?.summary === pd.fromEmail || note.content.startsWith('Causa root cause')) return; // our own note
    await sender.post(
      thread.channel,
      { text: `📝 Note from ${event.agent?.summary ?? 'PagerDuty'}: ${note.content}` },
      thread.parentTs,
    );
  };

  return {
    render,
    async handle(row) {
      const parsed = parseWebhook(row.payload);
      if (!parsed.ok) throw new Error(`stored webhook no longer parses: ${parsed.error}`);
      const event = parsed.event;
      if (event.kind === 'incident') {
        if (event.event_type === 'incident.triggered') await onTriggered(event.data);
        else await onLifecycle(event);
      } else if (event.kind === 'annotated') {
        await onAnnotated(event, event.data);
      } else {
        log.debug('PagerDuty event ignored', { type: event.event_type });
      }
    },
  };
}
