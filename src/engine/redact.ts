/**
 * Redaction of secret-looking values before anything leaves the engine (logs, env, config values).
 * Conservative: better to hide a harmless value than to print a credential.
 */
const PATTERNS: [RegExp, string][] = [
  // scheme://user:password@host  → scheme://user:***@host
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, '$1***@'],
  // Authorization headers / bearer tokens
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***'],
  // Slack, GitHub, AWS, Stripe-style tokens
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, 'xox*-***'],
  [/\bxapp-[A-Za-z0-9-]{10,}/g, 'xapp-***'],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, 'gh*_***'],
  [/\bAKIA[0-9A-Z]{16}\b/g, 'AKIA***'],
  [/\b[sr]k_(live|test)_[A-Za-z0-9]{10,}/g, 'sk_***'],
  // JWTs
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '***jwt***'],
  // key=value / key: value where the key looks secret
  [
    /\b([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_.-]*)(\s*[=:]\s*)("?)[^\s"',;&]+/gi,
    '$1$2$3***',
  ],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
  return out;
}

/** True when an env var / config key name suggests its value is a secret. */
export function isSecretKey(name: string): boolean {
  return /password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|dsn/i.test(name);
}
