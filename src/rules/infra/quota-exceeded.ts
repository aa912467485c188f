/**
 * FM-21: a ResourceQuota (or LimitRange) rejects pod creation, so the pods never exist.
 * Keys on `FailedCreate` of the target's ReplicaSet/StatefulSet/Job (`exceeded quota: …` /
 * `failed quota: …: must specify …` / LimitRange `… usage per Container is …`), the ResourceQuota's
 * used vs hard (status), the template's missing limits (spec) and the replica shortfall (status).
 * A FailedCreate followed by SuccessfulCreate with all replicas present is ruled out.
 */
import type { CauseId } from '../../domain/causes.js';
import type { Ev } from '../../domain/facts.js';
import type { Container, KubeObject } from '../../domain/k8s.js';
import type { Evidence, Fix } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  eventSignal,
  formatBytes,
  formatCpu,
  latestOf,
  ms,
  objName,
  ownerEvents,
  parseQuantity,
  patchable,
  quote,
  ref,
  replicaShortfall,
  rolloutExplains,
  rolloutTrigger,
  scaleUpTrigger,
  specSignal,
  statusSignal,
  templatePatch,
  times,
} from './common.js';

const EXCEEDED = /exceeded quota: ([^,\s]+), requested: (.*?), used: (.*?), limited: (.*)$/;
const MUST = /failed quota: ([^:\s]+): must specify ([\w.,/-]+)/;
const STALE = /status unknown for quota: ([^,\s]+)/;
const LIMIT_RANGE = /(?:maximum|minimum) [\w./-]+ usage per (?:Container|Pod) is|limit to request ratio per/;

function pairs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w./-]+)=([^,\s]+)/g)) if (m[1] && m[2]) out[m[1]] = m[2];
  return out;
}

export function isQuotaMessage(message: string): boolean {
  return EXCEEDED.test(message) || MUST.test(message) || STALE.test(message) || LIMIT_RANGE.test(message);
}

/** A conservative value for a missing `requests.x` / `limits.x` of a container. */
function defaultFor(c: Container, key: string): string {
  const [kind, res] = key.split('.') as [string, string];
  const req = parseQuantity(c.resources?.requests?.[res]);
  const lim = parseQuantity(c.resources?.limits?.[res]);
  if (kind === 'limits') {
    if (res === 'cpu') return req !== null ? formatCpu(Math.max(req * 2, 0.1)) : '500m';
    return req !== null ? formatBytes(req * 2) : '512Mi';
  }
  if (res === 'cpu') return lim !== null ? formatCpu(Math.min(lim, 0.25)) : '100m';
  return lim !== null ? formatBytes(Math.min(lim, 256 * 2 ** 20)) : '128Mi';
}

export const quotaExceeded: Rule = {
  id: 'quota-exceeded',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const all = ownerEvents(facts, scope, ['FailedCreate']);
    const failed = all.filter((e) => isQuotaMessage(e.message));
    const last = latestOf(failed, (e) => e.last);
    if (!last) {
      const other = latestOf(all, (e) => e.last);
      if (!other) return null;
      return {
        kind: 'ruled-out',
        reason: `FailedCreate on ${other.kind} ${other.object} is not a quota/LimitRange rejection: ${quote(other.message.replace(/^.*?forbidden:\s*/, ''), 160)}.`,
      };
    }
    const ns = scope.namespace;
    const shortfall = replicaShortfall(facts, scope);
    const created = ownerEvents(facts, scope, ['SuccessfulCreate']).filter(
      (e) => e.object === last.object && ms(e.last) > ms(last.last),
    );
    if (created.length > 0 && !shortfall) {
      return {
        kind: 'ruled-out',
        reason: `FailedCreate (quota) on ${last.kind} ${last.object} at ${clock(last.last)} was followed by SuccessfulCreate at ${clock(latestOf(created, (e) => e.last)?.last)}; all replicas exist now.`,
      };
    }

    const signals: Evidence[] = [
      eventSignal(last, `FailedCreate on ${last.kind} ${last.object}${times(last)}: ${quote(last.message, 400)}`),
    ];
    const exceeded = EXCEEDED.exec(last.message);
    const must = MUST.exec(last.message);
    const quotaName = exceeded?.[1] ?? must?.[1] ?? STALE.exec(last.message)?.[1] ?? null;
    const quota: KubeObject | null = quotaName ? (facts.quotas.find((q) => objName(q) === quotaName) ?? null) : null;
    const quotaRef = ref(ns, 'ResourceQuota', quotaName ?? '');
    let needText = '';

    if (exceeded) {
      const requested = pairs(exceeded[2] ?? '');
      const used = pairs(exceeded[3] ?? '');
      const limited = pairs(exceeded[4] ?? '');
      const parts = Object.keys(limited).map(
        (k) => `${k}: requested ${requested[k] ?? '?'}, used ${used[k] ?? '?'}, hard ${limited[k]}`,
      );
      needText = parts.join('; ');
      if (quota) {
        const hard = quota.status?.hard ?? quota.spec?.hard ?? {};
        const usedNow = quota.status?.used ?? {};
        const full = Object.keys(limited).filter((k) => {
          const h = parseQuantity(hard[k]);
          const u = parseQuantity(usedNow[k]);
          const r = parseQuantity(requested[k]);
          return h !== null && u !== null && u + (r ?? 0) > h;
        });
        if (full.length > 0) {
          signals.push(
            statusSignal(
              quotaRef,
              null,
              `ResourceQuota ${quotaName}: ${full.map((k) => `${k} used ${usedNow[k] ?? '?'} of hard ${hard[k] ?? '?'}`).join(', ')} (no room for one more pod).`,
            ),
          );
        }
      }
    }

    let fix: Fix | null = null;
    if (must) {
      const keys = (must[2] ?? '').split(',').filter((k) => /^(requests|limits)\.\w/.test(k));
      const containers = [
        ...(scope.template?.spec?.containers ?? []).map((c) => ({ c, init: false })),
        ...(scope.template?.spec?.initContainers ?? []).map((c) => ({ c, init: true })),
      ];
      const missing = containers
        .map(({ c, init }) => ({
          c,
          init,
          keys: keys.filter((k) => {
            const [kind, res] = k.split('.') as [string, string];
            return !c.resources?.[kind as 'limits']?.[res];
          }),
        }))
        .filter((x) => x.keys.length > 0);
      if (quota) {
        const hard = quota.spec?.hard ?? quota.status?.hard ?? {};
        signals.push(
          specSignal(
            quotaRef,
            `ResourceQuota ${quotaName} tracks ${keys.map((k) => `${k} (hard ${hard[k] ?? '?'})`).join(', ')}, so every pod must set it.`,
          ),
        );
      }
      if (missing.length > 0 && scope.workload) {
        signals.push(
          specSignal(
            ref(ns, scope.workload.kind, scope.workload.name),
            `Container ${missing.map((x) => `${x.c.name} sets no ${x.keys.join(', ')}`).join('; ')}.`,
          ),
        );
      }
      if (missing.length > 0 && patchable(scope.workload)) {
        const patchContainers = missing.map((x) => {
          const resources: { requests?: Record<string, string>; limits?: Record<string, string> } = {};
          for (const k of x.keys) {
            const [kind, res] = k.split('.') as ['requests' | 'limits', string];
            resources[kind] = { ...(resources[kind] ?? {}), [res]: defaultFor(x.c, k) };
          }
          return { name: x.c.name, init: x.init, resources };
        });
        const strip = (list: typeof patchContainers) => list.map(({ name, resources }) => ({ name, resources }));
        const main = strip(patchContainers.filter((p) => !p.init));
        const init = strip(patchContainers.filter((p) => p.init));
        fix = {
          summary: `add ${patchContainers
            .map(
              (p) =>
                `${p.name} ${Object.entries(p.resources)
                  .flatMap(([k, v]) => Object.entries(v ?? {}).map(([r, q]) => `${k}.${r}=${q}`))
                  .join(' ')}`,
            )
            .join('; ')} (required by quota ${quotaName})`,
          resource: scope.workload,
          patchType: 'strategic',
          patch: templatePatch(scope.workload.kind, {
            ...(main.length > 0 ? { containers: main } : {}),
            ...(init.length > 0 ? { initContainers: init } : {}),
          }),
        };
      }
    }
    if (shortfall) signals.push(shortfall);

    // Trigger: a rollout (surge / new ReplicaSet) or a scale-up.
    const w = scope.workload;
    const rescale = latestOf(
      facts.events.filter(
        (e: Ev) =>
          e.kind === 'HorizontalPodAutoscaler' &&
          e.reason === 'SuccessfulRescale' &&
          facts.hpas.some((h) => objName(h) === e.object && h.spec?.scaleTargetRef?.name === w?.name),
      ),
      (e) => e.last,
    );
    const trigger =
      rolloutTrigger(facts) ??
      (rescale
        ? `HPA ${rescale.object} scale-up at ${clock(rescale.last)} (${quote(rescale.message, 80)})`
        : scaleUpTrigger(facts, scope, last.first ?? last.last));
    const explains: CauseId[] = [...rolloutExplains(facts)];
    if (facts.hpas.some((h) => h.spec?.scaleTargetRef?.name === w?.name)) explains.push('hpa-at-max');

    const owner = `${last.kind} ${last.object}`;
    let summary: string;
    let advice: string;
    if (must) {
      summary = `${owner} cannot create pods: ResourceQuota ${quotaName} requires ${must[2]} and the pod template does not set ${(must[2] ?? '').includes(',') ? 'them' : 'it'}.`;
      advice = `Add ${must[2]} to every container of ${w ? `${w.kind.toLowerCase()}/${w.name}` : 'the pod template'} (kubectl -n ${ns} set resources ${w ? `${w.kind.toLowerCase()}/${w.name}` : '<workload>'} --limits=cpu=500m,memory=512Mi), or add a LimitRange with defaults.`;
    } else if (exceeded) {
      summary = `${owner} cannot create pods: ResourceQuota ${quotaName} is exhausted (${needText}).`;
      advice = `Raise the quota (kubectl -n ${ns} edit resourcequota ${quotaName}; ${needText}) or lower the requests/replicas of ${w ? `${w.kind.toLowerCase()}/${w.name}` : 'the workload'}; kubectl -n ${ns} describe resourcequota ${quotaName} shows what uses it.`;
    } else if (LIMIT_RANGE.test(last.message)) {
      summary = `${owner} cannot create pods: a LimitRange rejects the pod's resources (${quote(last.message.replace(/^.*forbidden:\s*/, ''), 160)}).`;
      advice = `Bring the container resources within the namespace LimitRange (kubectl -n ${ns} describe limitrange) or adjust the LimitRange.`;
    } else {
      summary = `${owner} cannot create pods: quota ${quotaName} status is unknown (the quota controller has not recalculated it).`;
      advice = `kubectl -n ${ns} describe resourcequota ${quotaName}; check kube-controller-manager health (resource quota controller).`;
    }
    return { kind: 'match', summary, signals, trigger, fix, advice, explains };
  },
};
