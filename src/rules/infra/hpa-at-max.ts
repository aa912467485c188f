/**
 * FM-22: the HPA is pinned at maxReplicas while load keeps rising (saturation, not an HPA fault).
 * Keys on the HPA status (current == desired == maxReplicas), the `ScalingLimited=True
 * TooManyReplicas` condition, current metric utilization above target and the `SuccessfulRescale`
 * events that climbed to the ceiling. `TooFewReplicas` at minReplicas is normal and is ruled out,
 * as is an HPA at max whose utilization is within target.
 */
import type { Evidence, Fix } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import { buildScope, clock, earliestOf, eventSignal, latestOf, ms, quote, statusSignal, times } from './common.js';
import { formatMetric, hpaCondition, quotaHeadroom, targetHpas } from './hpa.js';

export const hpaAtMax: Rule = {
  id: 'hpa-at-max',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const hpas = targetHpas(facts, scope);
    if (hpas.length === 0) return null;
    const pinned = hpas.find((h) => {
      const limited = hpaCondition(h, 'ScalingLimited');
      const atMax = h.max !== null && ((h.current ?? 0) >= h.max || (h.desired ?? 0) >= h.max);
      return atMax || (limited?.status === 'True' && limited.reason === 'TooManyReplicas');
    });
    if (!pinned) {
      const low = hpas.find((h) => {
        const limited = hpaCondition(h, 'ScalingLimited');
        return limited?.status === 'True' && limited.reason === 'TooFewReplicas';
      });
      if (low) {
        return {
          kind: 'ruled-out',
          reason: `HPA ${low.name} sits at minReplicas ${low.min} with ScalingLimited TooFewReplicas: normal at low load, not a ceiling (maxReplicas ${low.max ?? '?'}).`,
        };
      }
      const h = hpas[0];
      const inactive = h ? hpaCondition(h, 'ScalingActive') : undefined;
      if (h && (inactive?.status === 'False' || derived?.health.healthy === false)) {
        return {
          kind: 'ruled-out',
          reason: `HPA ${h.name} runs ${h.current ?? '?'} of at most ${h.max ?? '?'} replicas: it is not at its ceiling${inactive?.status === 'False' ? ` (ScalingActive=False ${inactive.reason ?? ''}: it cannot compute its metrics)` : ''}.`,
        };
      }
      return null;
    }

    const h = pinned;
    const limited = hpaCondition(h, 'ScalingLimited');
    const hot = h.metrics.filter((m) => m.current !== null && m.target !== null && m.current > m.target);
    const tooMany = limited?.status === 'True' && limited.reason === 'TooManyReplicas';
    const hpaRef = `${h.ref.namespace}/HorizontalPodAutoscaler/${h.name}`;
    if (!tooMany && hot.length === 0) {
      const within = h.metrics.map(formatMetric).join(', ');
      return {
        kind: 'ruled-out',
        reason: `HPA ${h.name} is at maxReplicas ${h.max} but not saturated: ${within || `ScalingLimited ${limited?.reason ?? 'False'}`}.`,
      };
    }

    const signals: Evidence[] = [
      statusSignal(
        hpaRef,
        null,
        `HPA ${h.name} runs ${h.current ?? '?'} replicas (desired ${h.desired ?? '?'}) at its maxReplicas ${h.max}.`,
      ),
    ];
    if (tooMany) {
      signals.push(
        statusSignal(
          hpaRef,
          limited?.lastTransitionTime ?? null,
          `ScalingLimited=True TooManyReplicas since ${clock(limited?.lastTransitionTime)}: ${limited?.message ?? 'the desired replica count is more than the maximum replica count'}.`,
        ),
      );
    }
    if (hot.length > 0) {
      signals.push({
        kind: 'metric',
        ref: hpaRef,
        time: null,
        text: `Current ${hot.map(formatMetric).join(', ')}: load is above what ${h.max} replicas absorb.`,
      });
    }
    const rescales = facts.events.filter(
      (e) =>
        e.kind === 'HorizontalPodAutoscaler' &&
        e.object === h.name &&
        e.reason === 'SuccessfulRescale' &&
        ms(e.last) >= ms(facts.since),
    );
    const lastRescale = latestOf(rescales, (e) => e.last);
    if (lastRescale)
      signals.push(eventSignal(lastRescale, `SuccessfulRescale${times(lastRescale)}: ${quote(lastRescale.message)}.`));
    const firstRescale = earliestOf(rescales, (e) => e.first ?? e.last);

    // Raise the ceiling by half, within what the namespace quota still allows.
    const max = h.max ?? h.current ?? 1;
    let target = Math.max(max + 1, Math.ceil(max * 1.5));
    const room = quotaHeadroom(facts, scope);
    let fix: Fix | null = null;
    let quotaNote = '';
    if (room) {
      quotaNote = ` Quota ${room.quota} allows ${room.pods} more pod(s) (${room.key} ${room.used} of ${room.hard}).`;
      target = Math.min(target, max + room.pods);
    }
    if (target > max) {
      fix = {
        summary: `raise HPA ${h.name} maxReplicas ${max}→${target}${room ? ` (within quota ${room.quota})` : ''}`,
        resource: h.ref,
        patchType: 'merge',
        patch: { spec: { maxReplicas: target } },
      };
    }
    const ns = h.ref.namespace;
    const advice =
      (fix
        ? `Raise the ceiling (kubectl -n ${ns} patch hpa ${h.name} --type=merge -p '{"spec":{"maxReplicas":${target}}}') after checking the cluster has room for ${target - max} more pod(s) (kubectl top nodes).`
        : `HPA ${h.name} cannot grow: quota ${room?.quota ?? ''} has no room (${room?.key ?? ''} ${room?.used ?? ''} of ${room?.hard ?? ''}); raise the quota first (kubectl -n ${ns} edit resourcequota ${room?.quota ?? ''}), then maxReplicas.`) +
      `${quotaNote} Longer term make each pod cheaper or find what drives the load.`;
    return {
      kind: 'match',
      summary: `HPA ${h.name} is pinned at maxReplicas ${h.max}${hot.length > 0 ? ` with ${hot.map(formatMetric).join(', ')}` : ''}: the workload is saturated.`,
      signals,
      trigger: firstRescale
        ? `load increase: HPA ${h.name} began scaling up at ${clock(firstRescale.first ?? firstRescale.last)}`
        : null,
      fix,
      advice,
      explains: [],
    };
  },
};
