/** Errors that make an investigation impossible (the target cannot even be resolved). */
export class InvestigationAbort extends Error {
  override name = 'InvestigationAbort';
  constructor(
    message: string,
    readonly reason: 'not-found' | 'unreachable' | 'usage',
    readonly suggestions: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
