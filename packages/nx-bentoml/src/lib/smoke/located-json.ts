/**
 * JSON with the place of every value and key, so a problem in a user's JSON file can be reported
 * as `file:line:col` (JSON.parse in Node 20 tells neither line nor column). Strict JSON
 * (RFC 8259): no comments, no trailing commas; a leading byte-order mark is skipped.
 */

export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface LocatedJson {
  value: unknown;
  /** Where the value at `path` starts; with `key`, where the key naming it starts (for unknown keys). */
  offsetOf(path: ReadonlyArray<PropertyKey>, options?: { key?: boolean }): number | undefined;
  /** "line:col", both from 1. */
  lineAndColumn(offset: number): string;
}

// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings
const stringToken = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const numberToken = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const literals: Array<[string, unknown]> = [
  ['true', true],
  ['false', false],
  ['null', null],
];

export function parseLocatedJson(text: string): LocatedJson {
  const values = new Map<string, number>();
  const keys = new Map<string, number>();
  const id = (path: ReadonlyArray<PropertyKey>) => JSON.stringify(path.map((part) => (typeof part === 'number' ? part : String(part))));
  let pos = text.startsWith('\uFEFF') ? 1 : 0;

  const found = () => (pos >= text.length ? 'the end of the file' : `"${text[pos]}"`);
  const fail = (expected: string): never => {
    throw new JsonSyntaxError(`expected ${expected}, found ${found()}`, pos);
  };
  const skipSpace = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos])) pos++;
  };
  const token = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = pos;
    const match = pattern.exec(text);
    if (match) pos += match[0].length;
    return match?.[0];
  };
  /** Steps over the closing bracket of `container`. */
  const close = <T>(container: T): T => {
    pos++;
    return container;
  };
  const string = () => JSON.parse(token(stringToken) ?? fail('a string in double quotes (with valid escapes)')) as string;

  const value = (path: PropertyKey[]): unknown => {
    skipSpace();
    values.set(id(path), pos);
    const char = text[pos];
    if (char === '{') {
      pos++;
      const object: Record<string, unknown> = {};
      skipSpace();
      if (text[pos] === '}') return close(object);
      for (;;) {
        skipSpace();
        const keyStart = pos;
        if (text[pos] !== '"') fail('a key in double quotes');
        const key = string();
        keys.set(id([...path, key]), keyStart);
        skipSpace();
        if (text[pos] !== ':') fail('":" after the key');
        pos++;
        // defineProperty: a "__proto__" key is data, not the object's prototype.
        Object.defineProperty(object, key, { value: value([...path, key]), enumerable: true, writable: true, configurable: true });
        skipSpace();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') return close(object);
        else fail('"," or "}"');
      }
    }
    if (char === '[') {
      pos++;
      const array: unknown[] = [];
      skipSpace();
      if (text[pos] === ']') return close(array);
      for (;;) {
        array.push(value([...path, array.length]));
        skipSpace();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') return close(array);
        else fail('"," or "]"');
      }
    }
    if (char === '"') return string();
    const literal = literals.find(([word]) => text.startsWith(word, pos));
    if (literal) {
      pos += literal[0].length;
      return literal[1];
    }
    const number = token(numberToken);
    return number === undefined ? fail('a JSON value') : Number(number);
  };

  const parsed = value([]);
  skipSpace();
  if (pos < text.length) fail('the end of the file after the JSON value');
  return {
    value: parsed,
    offsetOf: (path, { key = false } = {}) => (key ? keys : values).get(id(path)),
    lineAndColumn: (offset) => lineAndColumn(text, offset),
  };
}

export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}
