/**
 * Who may approve a fix: `approvals.approvers` lists Slack user ids (U…/W…) and user groups (S…); group
 * membership comes from `usergroups.users.list`, cached briefly so a click never waits on it twice.
 * Fails closed: a group that cannot be resolved grants nothing (and the refusal says so).
 */

/** The one Web API method this needs (Bolt's `app.client` has it). */
export interface UsergroupsApi {
  usergroups: { users: { list(args: { usergroup: string }): Promise<{ users?: string[] }> } };
}

export interface ApproverCheck {
  ok: boolean;
  /** Groups whose members could not be read (only filled when `ok` is false). */
  unresolved: string[];
}

export interface ApproverResolver {
  /** The configured approvers, as given (user ids and group ids). */
  readonly configured: readonly string[];
  isApprover(user: string): Promise<ApproverCheck>;
}

export interface ApproverOptions {
  approvers: readonly string[];
  slack: UsergroupsApi;
  /** How long group members are cached (default 60 s). */
  ttlMs?: number;
  /** Bound on one `usergroups.users.list` call (default 1.5 s: the click must open its modal within 3 s). */
  timeoutMs?: number;
  clock?: () => number;
}

const isGroup = (id: string) => id.startsWith('S');

export function createApproverResolver(opts: ApproverOptions): ApproverResolver {
  const ttl = opts.ttlMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? 1_500;
  const clock = opts.clock ?? Date.now;
  const cache = new Map<string, { at: number; members: Promise<Set<string>> }>();

  const members = (group: string): Promise<Set<string>> => {
    const hit = cache.get(group);
    if (hit && clock() - hit.at < ttl) return hit.members;
    let timer: NodeJS.Timeout | undefined;
    const members = Promise.race([
      opts.slack.usergroups.users.list({ usergroup: group }).then((r) => new Set(r.users ?? [])),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`usergroups.users.list ${group} timed out`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    cache.set(group, { at: clock(), members });
    members.catch(() => cache.delete(group));
    return members;
  };

  return {
    configured: [...opts.approvers],
    async isApprover(user) {
      if (opts.approvers.includes(user)) return { ok: true, unresolved: [] };
      const unresolved: string[] = [];
      for (const group of opts.approvers.filter(isGroup)) {
        try {
          if ((await members(group)).has(user)) return { ok: true, unresolved: [] };
        } catch {
          unresolved.push(group);
        }
      }
      return { ok: false, unresolved };
    },
  };
}

/** `<@U0ONCALL1>, <!subteam^S0SRETEAM>`: the approvers as Slack mentions. */
export function mentionApprovers(ids: readonly string[]): string {
  if (ids.length === 0) return 'nobody (approvals.approvers is empty)';
  return ids.map((id) => (isGroup(id) ? `<!subteam^${id}>` : `<@${id}>`)).join(', ');
}
