/** How close an answered number must be to the expected one: within `absolute`, or within `relative` times the expected value. */
export interface Tolerance {
  absolute?: number;
  relative?: number;
}

export interface JsonMatchOptions {
  /** Only the keys and array elements given must match: the answer may have more keys, and longer arrays. */
  subset?: boolean;
  /** Applied to every number in the comparison; without it numbers must be equal. */
  tolerance?: Tolerance;
}

/**
 * Compares an answer with what was expected and describes the first difference
 * (`at $.scores[1]: expected 0.9 (±0.01), got 0.42`), or returns undefined when they match.
 * Arrays are compared element by element, in order.
 */
export function jsonMismatch(actual: unknown, expected: unknown, options: JsonMatchOptions = {}, path = '$'): string | undefined {
  const at = `at ${path}: `;
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return `${at}expected ${expected}, got ${preview(actual)}`;
    return numbersMatch(actual, expected, options.tolerance)
      ? undefined
      : `${at}expected ${expected}${within(options.tolerance)}, got ${actual}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${at}expected an array, got ${preview(actual)}`;
    const lengthDiffers = options.subset ? actual.length < expected.length : actual.length !== expected.length;
    if (lengthDiffers) {
      return `${at}expected ${options.subset ? 'at least ' : ''}${expected.length} element${expected.length === 1 ? '' : 's'}, got ${actual.length}`;
    }
    for (let index = 0; index < expected.length; index++) {
      const mismatch = jsonMismatch(actual[index], expected[index], options, `${path}[${index}]`);
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return `${at}expected an object, got ${preview(actual)}`;
    const missing = Object.keys(expected).find((key) => !Object.hasOwn(actual, key));
    if (missing !== undefined) return `${at}the key ${JSON.stringify(missing)} is missing`;
    const extra = options.subset ? undefined : Object.keys(actual).find((key) => !Object.hasOwn(expected, key));
    if (extra !== undefined) return `${at}unexpected key ${JSON.stringify(extra)} (with "expectSubset", extra keys are allowed)`;
    for (const key of Object.keys(expected)) {
      const mismatch = jsonMismatch(actual[key], expected[key], options, `${path}${member(key)}`);
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  return actual === expected ? undefined : `${at}expected ${preview(expected)}, got ${preview(actual)}`;
}

/** Like Python's math.isclose: |actual - expected| <= max(absolute, relative * |expected|). */
function numbersMatch(actual: number, expected: number, tolerance: Tolerance = {}) {
  if (actual === expected) return true;
  const allowed = Math.max(tolerance.absolute ?? 0, (tolerance.relative ?? 0) * Math.abs(expected));
  return Math.abs(actual - expected) <= allowed;
}

export function describeTolerance(tolerance: Tolerance | undefined): string {
  const parts = [
    tolerance?.absolute !== undefined ? `±${tolerance.absolute}` : '',
    tolerance?.relative !== undefined ? `±${+(tolerance.relative * 100).toPrecision(6)}%` : '',
  ].filter(Boolean);
  return parts.join(' or ');
}

function within(tolerance: Tolerance | undefined) {
  const text = describeTolerance(tolerance);
  return text ? ` (${text})` : '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function member(key: string) {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** A value as JSON, cut to `limit` characters. */
export function preview(value: unknown, limit = 200): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return truncate(text, limit);
}

export function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}
