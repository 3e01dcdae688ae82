import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../errors';

const sampleRequestSchema = z.strictObject({
  endpoint: z.string().startsWith('/'),
  request: z.unknown(),
  expect: z.unknown().optional(),
});
export type SampleRequest = z.infer<typeof sampleRequestSchema>;

export function readSampleRequest(file: string, shown: string): SampleRequest {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${shown} is not valid JSON (${(error as Error).message}). Fix it or remove it.`);
  }
  const parsed = sampleRequestSchema.safeParse(data);
  if (!parsed.success) {
    throw new UserError(
      `${shown} must be {"endpoint": "/predict", "request": <JSON body>, "expect": <answer, optional>}: ${parsed.error.issues[0].message}.`,
    );
  }
  return parsed.data;
}

/** The service's process ended before it answered: waiting longer cannot help. */
export class ServiceStoppedError extends UserError {
  override name = 'ServiceStoppedError';
}

export interface ReadinessOptions {
  intervalMs?: number;
  /** Asked after each unanswered poll; false stops the wait at once with a ServiceStoppedError. */
  isAlive?: () => Promise<boolean>;
}

/** Polls BentoML's readiness endpoint until it answers 200 or the time is up. */
export async function waitUntilReady(url: string, timeoutMs: number, { intervalMs = 500, isAlive }: ReadinessOptions = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).cause
        ? String((error as { cause: { code?: string } }).cause.code ?? (error as Error).message)
        : (error as Error).message;
    }
    if (isAlive && !(await isAlive())) throw new ServiceStoppedError(`The service stopped before it was ready at ${url} (last: ${last}).`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new UserError(
    `The service was not ready at ${url} after ${Math.round(timeoutMs / 1000)} s (last: ${last}). Check the container output below, or raise readinessTimeoutSeconds.`,
  );
}

/** Sends the sample request; a non-2xx answer or one other than `expect` is a failure. */
export async function checkSampleRequest(baseUrl: string, sample: SampleRequest): Promise<unknown> {
  const response = await fetch(`${baseUrl}${sample.endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sample.request),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new UserError(`POST ${sample.endpoint} answered HTTP ${response.status}: ${text.slice(0, 500)}`);
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {
    // A plain-text answer is compared as text.
  }
  if (sample.expect !== undefined && !isDeepStrictEqual(answer, sample.expect)) {
    throw new UserError(`POST ${sample.endpoint} answered ${JSON.stringify(answer)}, expected ${JSON.stringify(sample.expect)}.`);
  }
  return answer;
}
