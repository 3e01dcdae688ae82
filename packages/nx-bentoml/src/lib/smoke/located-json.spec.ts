import { JsonSyntaxError, parseLocatedJson } from './located-json';

describe('parseLocatedJson', () => {
  const text = '{\n  "requests": [\n    {"endpoint": "/a", "n": -1.5e3, "ok": [true, false, null]}\n  ]\n}\n';

  it('parses what JSON.parse parses', () => {
    expect(parseLocatedJson(text).value).toEqual(JSON.parse(text));
    expect(parseLocatedJson('"\\u00e9\\n"').value).toBe('é\n');
    expect(parseLocatedJson('\uFEFF[]').value).toEqual([]);
  });

  it('knows where every value and key starts', () => {
    const json = parseLocatedJson(text);
    expect(json.lineAndColumn(json.offsetOf(['requests']) as number)).toBe('2:15');
    expect(json.lineAndColumn(json.offsetOf(['requests', 0, 'n']) as number)).toBe('3:29');
    expect(json.lineAndColumn(json.offsetOf(['requests', 0, 'n'], { key: true }) as number)).toBe('3:24');
    expect(json.lineAndColumn(json.offsetOf(['requests', 0, 'ok', 2]) as number)).toBe('3:57');
    expect(json.offsetOf(['requests', 1])).toBeUndefined();
  });

  it('keeps a "__proto__" key as data', () => {
    const value = parseLocatedJson('{"__proto__": {"x": 1}}').value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it.each([
    ['{"a": }', 6, 'expected a JSON value, found "}"'],
    ['{"a": 1,}', 8, 'expected a key in double quotes, found "}"'],
    ['{"a" 1}', 5, 'expected ":" after the key, found "1"'],
    ['[1 2]', 3, 'expected "," or "]", found "2"'],
    ['{"a": 1', 7, 'expected "," or "}", found the end of the file'],
    ["{'a': 1}", 1, 'expected a key in double quotes, found "\'"'],
    ['{"a": "x\\q"}', 6, 'expected a string in double quotes (with valid escapes), found """'],
    ['{} x', 3, 'expected the end of the file after the JSON value, found "x"'],
    ['', 0, 'expected a JSON value, found the end of the file'],
  ])('reports %s at offset %i: %s', (input, offset, message) => {
    let error: unknown;
    try {
      parseLocatedJson(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JsonSyntaxError);
    expect(error).toMatchObject({ offset, message });
  });
});
