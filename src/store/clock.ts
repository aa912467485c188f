/** Time as the store writes it: ISO-8601 UTC text (`toISOString`), so text order is time order. */
export type Now = () => Date;

export interface RepoOptions {
  /** Clock (tests inject a fixed one). Default: the system clock. */
  now?: Now;
}

export const systemNow: Now = () => new Date();

export function iso(d: Date): string {
  return d.toISOString();
}
