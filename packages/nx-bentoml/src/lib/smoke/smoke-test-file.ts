import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors';
import { type LocatedJson, JsonSyntaxError, lineAndColumn, parseLocatedJson } from './located-json';
import type { Tolerance } from './json-match';
import { contentTypeOf } from './request-body';

/**
 * smoke-test.json: one request (the object the service generator writes), a list of them, or
 * `{"requests": [...]}`. Each request names an endpoint, at most one body (`request`/`json`,
 * `multipart`, `body`) and at most one expectation (`expect`, `expectSubset`, `expectText`,
 * `expectPattern`); `status` defaults to any 2xx.
 *
 *   {"endpoint": "/predict", "request": {"input": [[5.1, 3.5, 1.4, 0.2]]}, "expect": ["setosa"]}
 *   {"requests": [{"name": "cat", "endpoint": "/classify",
 *                  "multipart": {"image": {"file": "samples/cat.png"}, "top_k": 3},
 *                  "expectSubset": {"label": "cat"}, "tolerance": {"absolute": 0.05}}]}
 */

const mediaType = z.string().regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, 'must be a media type such as "image/png"');
/** A file to send, relative to smoke-test.json. */
const fileReference = z.strictObject({
  file: z.string().min(1),
  contentType: mediaType.optional(),
  filename: z.string().min(1).optional(),
});
const rawBody = z.union([z.string(), fileReference, z.strictObject({ text: z.string(), contentType: mediaType.optional() })]);
const httpStatus = z.number().int().min(100).max(599);

const requestSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    endpoint: z.string().startsWith('/', 'must start with "/", for example "/predict"'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    timeoutSeconds: z.number().positive().optional(),
    request: z.unknown().optional(),
    json: z.unknown().optional(),
    multipart: z.record(z.string(), z.unknown()).optional(),
    body: rawBody.optional(),
    status: z.union([httpStatus, z.array(httpStatus).min(1)]).optional(),
    expect: z.unknown().optional(),
    expectSubset: z.unknown().optional(),
    expectText: z.string().optional(),
    expectPattern: z.string().refine(isRegExp, 'is not a valid JavaScript regular expression').optional(),
    tolerance: z
      .strictObject({ absolute: z.number().nonnegative().optional(), relative: z.number().nonnegative().optional() })
      .refine((value) => value.absolute !== undefined || value.relative !== undefined, 'needs "absolute", "relative" or both')
      .optional(),
  })
  .superRefine((request, context) => {
    const given = (keys: string[]) => keys.filter((key) => (request as Record<string, unknown>)[key] !== undefined);
    const bodies = given(['request', 'json', 'multipart', 'body']);
    if (bodies.length > 1) context.addIssue({ code: 'custom', path: [bodies[1]], message: `cannot go with "${bodies[0]}": give one body` });
    const expectations = given(['expect', 'expectSubset', 'expectText', 'expectPattern']);
    if (expectations.length > 1) {
      context.addIssue({ code: 'custom', path: [expectations[1]], message: `cannot go with "${expectations[0]}": give one expectation` });
    }
    if (request.tolerance && !given(['expect', 'expectSubset']).length) {
      context.addIssue({ code: 'custom', path: ['tolerance'], message: 'applies to "expect" or "expectSubset", and neither is given' });
    }
    if (request.method === 'GET' && bodies.length)
      context.addIssue({ code: 'custom', path: [bodies[0]], message: 'cannot be sent with GET' });
    for (const [field, value] of Object.entries(request.multipart ?? {})) {
      const problem = multipartFieldProblem(value);
      if (problem) context.addIssue({ code: 'custom', path: ['multipart', field, ...problem.path], message: problem.message });
    }
  });

type RequestInput = z.infer<typeof requestSchema>;

export type SmokeBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'multipart'; fields: MultipartField[] }
  | { kind: 'raw'; contentType: string; text: string }
  | { kind: 'raw'; contentType: string; file: AttachedFile };

export type MultipartField = { name: string; value: string } | { name: string; file: AttachedFile };

export interface AttachedFile {
  /** Absolute path. */
  path: string;
  /** As written in smoke-test.json. */
  shown: string;
  filename: string;
  contentType: string;
}

export type SmokeExpectation =
  | { kind: 'status' }
  | { kind: 'json'; value: unknown; subset: boolean; tolerance?: Tolerance }
  | { kind: 'text'; text: string }
  | { kind: 'pattern'; pattern: RegExp };

export interface SmokeRequest {
  /** From 1, in file order. */
  index: number;
  name?: string;
  method: string;
  endpoint: string;
  headers: Record<string, string>;
  body: SmokeBody;
  /** Accepted statuses; undefined: any 2xx. */
  status?: number[];
  expectation: SmokeExpectation;
  timeoutMs: number;
}

/** Reads and checks smoke-test.json; every problem is reported as `file:line:col: what is wrong`, before any container starts. */
export function readSmokeTestFile(file: string, shown: string): SmokeRequest[] {
  const text = readFileSync(file, 'utf8');
  let json: LocatedJson;
  try {
    json = parseLocatedJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw new UserError(`${shown}:${lineAndColumn(text, error.offset)}: invalid JSON: ${error.message}. Fix the syntax and run again.`);
  }
  const fail = (path: ReadonlyArray<PropertyKey>, message: string, key = false): never => {
    const offset = json.offsetOf(path, { key }) ?? closestOffset(json, path);
    throw new UserError(`${shown}:${json.lineAndColumn(offset)}: ${message}.`);
  };

  const requests = requestList(json.value, fail).map(({ entry, path }, index) => {
    const parsed = requestSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = [...path, ...issue.path];
      if (issue.code === 'unrecognized_keys') {
        fail([...where, issue.keys[0]], `unknown key "${issue.keys[0]}" in ${describePath(where)}; ${requestKeysHint}`, true);
      }
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      // Our own messages read on from the key ("must start with ..."); zod's own are sentences ("Too big: ...").
      const message = /^[A-Z]/.test(issue.message)
        ? `is invalid: ${issue.message[0].toLowerCase()}${issue.message.slice(1)}`
        : issue.message;
      // A key that cannot go with another is shown at the key, a wrong value at the value.
      fail(where, missing ? `${describePath(where)} is required` : `${describePath(where)} ${message}`, issue.code === 'custom');
    }
    return toSmokeRequest(parsed.data as RequestInput, index + 1, dirname(file), (filePath, shownFile) => {
      if (!existsSync(filePath) || !statSync(filePath).isFile()) {
        const keyPath = findFileKey(entry, shownFile) ?? [];
        fail([...path, ...keyPath], `the file ${shownFile} does not exist (paths are relative to ${shown})`);
      }
    });
  });
  return requests;
}

const requestKeysHint =
  'a request takes name, endpoint, method, headers, timeoutSeconds, one body (request, json, multipart, body), status and one expectation (expect, expectSubset, expectText, expectPattern) with tolerance';

/** The requests of the file, each with its path in the file. */
function requestList(value: unknown, fail: (path: PropertyKey[], message: string, key?: boolean) => never) {
  const shape = 'must be one request {"endpoint": ...}, a list of requests, or {"requests": [...]}';
  const each = (list: unknown[], prefix: PropertyKey[]) => list.map((entry, index) => ({ entry, path: [...prefix, index] }));
  if (Array.isArray(value)) return value.length ? each(value, []) : fail([], 'the list of requests is empty');
  if (typeof value !== 'object' || value === null) return fail([], `the file ${shape}`);
  if (!('requests' in value)) return [{ entry: value as unknown, path: [] as PropertyKey[] }];
  const keys = Object.keys(value).filter((key) => key !== 'requests');
  if (keys.length) fail([keys[0]], `unknown key "${keys[0]}" next to "requests": the file ${shape}`, true);
  const list = (value as { requests: unknown }).requests;
  if (!Array.isArray(list) || !list.length) fail(['requests'], '"requests" must be a non-empty list of requests');
  return each(list as unknown[], ['requests']);
}

function toSmokeRequest(
  input: RequestInput,
  index: number,
  baseDir: string,
  checkFile: (path: string, shown: string) => void,
): SmokeRequest {
  const attach = (reference: z.infer<typeof fileReference>): AttachedFile => {
    const path = resolve(baseDir, reference.file);
    checkFile(path, reference.file);
    const filename = reference.filename ?? reference.file.split(/[\\/]/).pop() ?? reference.file;
    return { path, shown: reference.file, filename, contentType: reference.contentType ?? contentTypeOf(filename) };
  };
  return {
    index,
    name: input.name,
    method: input.method ?? 'POST',
    endpoint: input.endpoint,
    headers: input.headers ?? {},
    body: toBody(input, attach),
    status: input.status === undefined ? undefined : [input.status].flat(),
    expectation: toExpectation(input),
    timeoutMs: (input.timeoutSeconds ?? 60) * 1000,
  };
}

function toBody(input: RequestInput, attach: (reference: z.infer<typeof fileReference>) => AttachedFile): SmokeBody {
  if (input.request !== undefined) return { kind: 'json', value: input.request };
  if (input.json !== undefined) return { kind: 'json', value: input.json };
  if (input.multipart) {
    const fields = Object.entries(input.multipart).flatMap(([name, value]): MultipartField[] => {
      if (isFileReference(value)) return [{ name, file: attach(value) }];
      if (Array.isArray(value) && value.length && value.every(isFileReference)) return value.map((file) => ({ name, file: attach(file) }));
      return [{ name, value: typeof value === 'string' ? value : JSON.stringify(value) }];
    });
    return { kind: 'multipart', fields };
  }
  if (input.body === undefined) return { kind: 'none' };
  if (typeof input.body === 'string') return { kind: 'raw', contentType: 'text/plain; charset=utf-8', text: input.body };
  if ('text' in input.body)
    return { kind: 'raw', contentType: input.body.contentType ?? 'text/plain; charset=utf-8', text: input.body.text };
  const file = attach(input.body);
  return { kind: 'raw', contentType: file.contentType, file };
}

function toExpectation(input: RequestInput): SmokeExpectation {
  if (input.expect !== undefined) return { kind: 'json', value: input.expect, subset: false, tolerance: input.tolerance };
  if (input.expectSubset !== undefined) return { kind: 'json', value: input.expectSubset, subset: true, tolerance: input.tolerance };
  if (input.expectText !== undefined) return { kind: 'text', text: input.expectText };
  if (input.expectPattern !== undefined) return { kind: 'pattern', pattern: new RegExp(input.expectPattern) };
  return { kind: 'status' };
}

/**
 * A multipart field is a file (`{"file": ...}`), a list of files (one part each), or any other
 * JSON value, sent as its text (strings as they are). An object with a "file" key must be a
 * valid file reference, so that a typo is not sent as JSON text.
 */
function multipartFieldProblem(value: unknown): { path: PropertyKey[]; message: string } | undefined {
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : [[undefined, value] as const];
  for (const [index, item] of entries) {
    if (typeof item !== 'object' || item === null || !('file' in item)) continue;
    const parsed = fileReference.safeParse(item);
    if (parsed.success) continue;
    const issue = parsed.error.issues[0];
    const path = [...(index === undefined ? [] : [index]), ...issue.path];
    const message =
      issue.code === 'unrecognized_keys'
        ? `is a file reference with the unknown key "${issue.keys[0]}" (a file takes "file", "contentType" and "filename")`
        : `${issue.path.length ? `"${issue.path.join('.')}" ` : ''}${issue.message}`;
    return { path, message };
  }
  return undefined;
}

function isFileReference(value: unknown): value is z.infer<typeof fileReference> {
  return fileReference.safeParse(value).success;
}

function isRegExp(pattern: string) {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** requests[0].multipart.image.file */
function describePath(path: ReadonlyArray<PropertyKey>) {
  if (!path.length) return 'the request';
  const text = path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index ? '.' : ''}${String(part)}`)).join('');
  return `"${text}"`;
}

/** For a missing key, the place of its nearest parent. */
function closestOffset(json: LocatedJson, path: ReadonlyArray<PropertyKey>): number {
  for (let length = path.length; length >= 0; length--) {
    const offset = json.offsetOf(path.slice(0, length));
    if (offset !== undefined) return offset;
  }
  return 0;
}

/** The path, inside one request, of the "file" value that names `shown`. */
function findFileKey(value: unknown, shown: string, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (!Array.isArray(value) && (value as { file?: unknown }).file === shown) return [...path, 'file'];
  for (const [key, child] of Object.entries(value)) {
    const found = findFileKey(child, shown, [...path, Array.isArray(value) ? Number(key) : key]);
    if (found) return found;
  }
  return undefined;
}
