/**
 * An error the user can act on: its message says what is wrong and what to do next.
 * Executors print only the message of these (no stack trace unless NX_VERBOSE_LOGGING is set).
 */
export class UserError extends Error {
  override name = 'UserError';
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
