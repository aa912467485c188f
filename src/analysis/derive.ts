/**
 * Derived views computed once from Facts and shared by every rule (pure).
 * Extend `Derived` with what several rules need; keep one-rule logic in the rule's own file.
 */
import type { Facts } from '../domain/facts.js';

export interface Derived {
  /** Earliest sign of failure of the target (RFC 3339) or null when none is seen. */
  firstFailure: string | null;
}

export function derive(facts: Facts): Derived {
  void facts;
  return { firstFailure: null };
}
