/**
 * Domain errors that the HTTP edge maps to `application/problem+json` (RFC 9457) and the CLI to
 * exit codes. `type` is a stable identifier clients may branch on.
 */
export class VigilError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'VigilError';
  }
}

export const notFound = (what: string, key: string) =>
  new VigilError(404, 'not-found', `${what} "${key}" does not exist`);

export const conflict = (message: string, details?: Record<string, unknown>) =>
  new VigilError(409, 'conflict', message, details);

export const invalid = (message: string, details?: Record<string, unknown>) =>
  new VigilError(400, 'invalid-request', message, details);

/** The object is declared in the ops plan; it changes only through `vigil apply`. */
export const managedByPlan = (what: string, key: string, file: string | null) =>
  new VigilError(
    409,
    'managed-by-plan',
    `${what} "${key}" is managed by the ops plan${file ? ` (${file})` : ''}; change it there and run vigil apply`,
    { file },
  );

export const preconditionFailed = (message: string) => new VigilError(412, 'precondition-failed', message);

export const unauthorized = (message = 'authentication required') =>
  new VigilError(401, 'unauthorized', message);

export const forbidden = (message: string) => new VigilError(403, 'forbidden', message);
