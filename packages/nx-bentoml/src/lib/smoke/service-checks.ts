import { UserError } from '../errors';
import { describeTolerance, jsonMismatch, preview, truncate } from './json-match';
import { encodeBody } from './request-body';
import type { SmokeRequest } from './smoke-test-file';

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

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  bytes: number;
}

/** One request as checked: what was sent, expected and answered, as the gate's statement records it. */
export interface CheckedRequest {
  request: string;
  expected: string;
  answered: string;
  passed: boolean;
}

/**
 * Sends every request in order and checks each answer; all failures end in one UserError that
 * names each failed request, what was sent, what was expected and what came back; `log` gets a
 * line for each request answered as expected. Answers each request as checked.
 */
export async function checkSmokeRequests(
  baseUrl: string,
  requests: SmokeRequest[],
  shown: string,
  log: (line: string) => void = () => undefined,
): Promise<CheckedRequest[]> {
  const failures: string[] = [];
  const checked: CheckedRequest[] = [];
  for (const request of requests) {
    const prefix = requestPrefix(request, requests.length);
    const target = `${request.method} ${request.endpoint}`;
    const label = prefix ? `${prefix} (${target})` : target;
    const encoded = encodeBody(request.body);
    let answer: Answer;
    try {
      answer = await send(baseUrl, request, encoded);
    } catch (error) {
      failures.push(failure(label, noAnswer(error, request.timeoutMs), encoded.sent, request, undefined));
      checked.push({ request: label, expected: describeExpectation(request), answered: 'nothing', passed: false });
      continue;
    }
    const problem = mismatch(request, answer);
    if (problem) failures.push(failure(label, problem, encoded.sent, request, answer));
    else log(`${prefix ? `${prefix}: ` : ''}${target} answered ${summary(answer)}, as expected.`);
    checked.push({ request: label, expected: describeExpectation(request), answered: summary(answer), passed: !problem });
  }
  if (failures.length) {
    const header = requests.length > 1 ? `${failures.length} of ${requests.length} requests in ${shown} did not answer as expected.\n` : '';
    throw new UserError(`${header}${failures.join('\n')}`);
  }
  return checked;
}

async function send(baseUrl: string, request: SmokeRequest, encoded: ReturnType<typeof encodeBody>): Promise<Answer> {
  const headers: Record<string, string> = { ...(encoded.contentType ? { 'content-type': encoded.contentType } : {}), ...request.headers };
  const response = await fetch(`${baseUrl}${request.endpoint}`, {
    method: request.method,
    headers,
    body: encoded.body,
    signal: AbortSignal.timeout(request.timeoutMs),
  });
  const buffer = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: buffer.toString('utf8'),
    bytes: buffer.length,
  };
}

/** What is wrong with an answer, or undefined when it is as expected. */
export function mismatch(request: SmokeRequest, answer: Answer): string | undefined {
  const statusOk = request.status ? request.status.includes(answer.status) : answer.status >= 200 && answer.status < 300;
  if (!statusOk) return `answered HTTP ${answer.status}, expected HTTP ${expectedStatus(request)}`;
  const expectation = request.expectation;
  switch (expectation.kind) {
    case 'status':
      return undefined;
    case 'text':
      return answer.text.includes(expectation.text) ? undefined : `the answer does not contain ${JSON.stringify(expectation.text)}`;
    case 'pattern':
      return expectation.pattern.test(answer.text) ? undefined : `the answer does not match /${expectation.pattern.source}/`;
    case 'json': {
      const parsed = parseJson(answer.text);
      // A plain-text answer is compared as text with an expected string, as smoke-test always did.
      if (!parsed.ok && typeof expectation.value !== 'string') return 'the answer is not JSON';
      const value = parsed.ok ? parsed.value : answer.text;
      return jsonMismatch(value, expectation.value, { subset: expectation.subset, tolerance: expectation.tolerance });
    }
  }
}

function failure(label: string, problem: string, sent: string, request: SmokeRequest, answer: Answer | undefined) {
  return [
    `${label} failed: ${problem}.`,
    `  sent:     ${request.method} ${request.endpoint}, ${sent}`,
    `  expected: ${describeExpectation(request)}`,
    `  answered: ${answer ? `HTTP ${answer.status}${answer.contentType ? ` (${answer.contentType})` : ''} ${bodyPreview(answer)}` : 'nothing'}`,
  ].join('\n');
}

/** "Request 2/3 "cat"" in a file of several requests or a named one; nothing for the generated file's single request. */
function requestPrefix(request: SmokeRequest, count: number) {
  if (count === 1 && !request.name) return '';
  return `Request ${request.index}/${count}${request.name ? ` ${JSON.stringify(request.name)}` : ''}`;
}

function expectedStatus(request: SmokeRequest) {
  return request.status ? request.status.join(' or ') : '2xx';
}

function describeExpectation(request: SmokeRequest) {
  const status = `HTTP ${expectedStatus(request)}`;
  const expectation = request.expectation;
  switch (expectation.kind) {
    case 'status':
      return status;
    case 'text':
      return `${status}, text containing ${truncate(JSON.stringify(expectation.text), 300)}`;
    case 'pattern':
      return `${status}, text matching /${expectation.pattern.source}/`;
    case 'json': {
      const tolerance = describeTolerance(expectation.tolerance);
      return `${status}, ${expectation.subset ? 'JSON containing' : 'exactly'} ${preview(expectation.value, 300)}${tolerance ? ` (numbers ${tolerance})` : ''}`;
    }
  }
}

/** The answer for a success line: compact JSON when it is JSON, as today ("["setosa"]"). */
function summary(answer: Answer) {
  const parsed = parseJson(answer.text);
  if (parsed.ok) return preview(parsed.value, 300);
  return `HTTP ${answer.status} ${bodyPreview(answer)}`;
}

function bodyPreview(answer: Answer) {
  if (!answer.bytes) return '(empty body)';
  if (answer.contentType && !isTextual(answer.contentType)) return `(${answer.bytes} bytes)`;
  return truncate(answer.text, 500);
}

function isTextual(contentType: string) {
  return /^(text\/|application\/(json|xml|yaml|x-ndjson|problem\+json)|[^;]*\+(json|xml))/i.test(contentType);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function noAnswer(error: unknown, timeoutMs: number) {
  const failure = error as Error & { cause?: { code?: string; message?: string } };
  if (failure.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s (raise "timeoutSeconds" for a slow API)`;
  return `no answer (${failure.cause?.code ?? failure.cause?.message ?? failure.message})`;
}
