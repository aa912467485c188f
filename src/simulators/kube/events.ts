/** core/v1 Event <-> events.k8s.io/v1 Event conversion (kubernetes pkg/apis/events/v1/conversion.go). */
import type { KubeObject } from '../../domain/k8s.js';

/** Fill the fields a real apiserver always prints for a core/v1 Event (nulls and empty strings). */
export function normalizeCoreEvent(e: KubeObject): KubeObject {
  const out: KubeObject = { ...e };
  if (!('firstTimestamp' in out)) out.firstTimestamp = null;
  if (!('lastTimestamp' in out)) out.lastTimestamp = null;
  if (!('eventTime' in out)) out.eventTime = null;
  if (!out.source || typeof out.source !== 'object') out.source = {};
  if (typeof out.reportingComponent !== 'string') out.reportingComponent = '';
  if (typeof out.reportingInstance !== 'string') out.reportingInstance = '';
  if (!out.involvedObject || typeof out.involvedObject !== 'object') out.involvedObject = {};
  return out;
}

/** A stored core/v1 Event as served by events.k8s.io/v1. */
export function coreToEventsV1(e: KubeObject, withTypeMeta: boolean): KubeObject {
  const out: KubeObject = {};
  if (withTypeMeta) {
    out.kind = 'Event';
    out.apiVersion = 'events.k8s.io/v1';
  }
  if (e.metadata) out.metadata = e.metadata;
  out.eventTime = e.eventTime ?? null;
  if (e.series) out.series = { count: e.series.count, lastObservedTime: e.series.lastObservedTime };
  if (e.reportingComponent) out.reportingController = e.reportingComponent;
  if (e.reportingInstance) out.reportingInstance = e.reportingInstance;
  if (e.action) out.action = e.action;
  if (e.reason) out.reason = e.reason;
  out.regarding = e.involvedObject ?? {};
  if (e.related) out.related = e.related;
  if (e.message) out.note = e.message;
  if (e.type) out.type = e.type;
  if (e.source && Object.keys(e.source).length > 0) out.deprecatedSource = e.source;
  out.deprecatedFirstTimestamp = e.firstTimestamp ?? null;
  out.deprecatedLastTimestamp = e.lastTimestamp ?? null;
  if (e.count) out.deprecatedCount = e.count;
  return out;
}

/** An events.k8s.io/v1 Event (as written in a scenario) in the stored core/v1 form. */
export function eventsV1ToCore(e: KubeObject): KubeObject {
  const out: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    ...(e.metadata ? { metadata: e.metadata } : {}),
    involvedObject: e.regarding ?? {},
    reason: e.reason,
    message: e.note,
    source: e.deprecatedSource ?? {},
    firstTimestamp: e.deprecatedFirstTimestamp ?? null,
    lastTimestamp: e.deprecatedLastTimestamp ?? null,
    type: e.type,
    eventTime: e.eventTime ?? null,
    reportingComponent: e.reportingController ?? '',
    reportingInstance: e.reportingInstance ?? '',
  };
  if (e.deprecatedCount) out.count = e.deprecatedCount;
  if (e.series) out.series = e.series;
  if (e.action) out.action = e.action;
  if (e.related) out.related = e.related;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}
