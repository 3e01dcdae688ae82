/** Runs an action up to `attempts` times while `isRetryable` says the failure is transient. */
export async function withRetries<T>(
  action: () => Promise<T>,
  options: {
    attempts: number;
    isRetryable: (error: Error) => boolean;
    delayMs?: (attempt: number) => number;
    onRetry?: (error: Error, attempt: number) => void;
  },
): Promise<T> {
  const delay = options.delayMs ?? ((attempt) => 1000 * 2 ** (attempt - 1));
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= options.attempts || !(error instanceof Error) || !options.isRetryable(error)) throw error;
      options.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, delay(attempt)));
    }
  }
}
