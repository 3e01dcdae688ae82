import { describeTolerance, jsonMismatch, truncate } from './json-match';

describe('jsonMismatch', () => {
  it('matches equal JSON exactly', () => {
    expect(jsonMismatch({ a: [1, 'x', null, true] }, { a: [1, 'x', null, true] })).toBeUndefined();
  });

  it('names the path of the first difference', () => {
    expect(jsonMismatch({ label: 'dog', scores: [0.1] }, { label: 'cat', scores: [0.1] })).toBe('at $.label: expected "cat", got "dog"');
    expect(jsonMismatch([['a'], ['b']], [['a'], ['c']])).toBe('at $[1][0]: expected "c", got "b"');
    expect(jsonMismatch({ 'top k': 1 }, { 'top k': 2 })).toBe('at $["top k"]: expected 2, got 1');
  });

  it('wants the same keys and lengths when exact', () => {
    expect(jsonMismatch({ a: 1, b: 2 }, { a: 1 })).toBe('at $: unexpected key "b" (with "expectSubset", extra keys are allowed)');
    expect(jsonMismatch({}, { a: 1 })).toBe('at $: the key "a" is missing');
    expect(jsonMismatch([1, 2], [1])).toBe('at $: expected 1 element, got 2');
  });

  it('accepts extra keys and longer arrays as a subset, at any depth', () => {
    const answer = { label: 'cat', scores: [0.9, 0.1], meta: { model: 'm:1', took: 3 } };
    expect(jsonMismatch(answer, { label: 'cat', meta: { model: 'm:1' }, scores: [0.9] }, { subset: true })).toBeUndefined();
    expect(jsonMismatch(answer, { meta: { model: 'm:2' } }, { subset: true })).toBe('at $.meta.model: expected "m:2", got "m:1"');
    expect(jsonMismatch([1], [1, 2], { subset: true })).toBe('at $: expected at least 2 elements, got 1');
  });

  it('tells types apart', () => {
    expect(jsonMismatch('1', 1)).toBe('at $: expected 1, got "1"');
    expect(jsonMismatch({ 0: 'a' }, ['a'])).toBe('at $: expected an array, got {"0":"a"}');
    expect(jsonMismatch(['a'], { 0: 'a' })).toBe('at $: expected an object, got ["a"]');
    expect(jsonMismatch(null, {})).toBe('at $: expected an object, got null');
    expect(jsonMismatch(undefined, 'x')).toBe('at $: expected "x", got nothing');
  });

  it('applies an absolute or relative tolerance to every number, like math.isclose', () => {
    const answer = { probabilities: [0.912, 0.088], count: 1000 };
    expect(jsonMismatch(answer, { probabilities: [0.9, 0.1], count: 1000 }, { tolerance: { absolute: 0.02 } })).toBeUndefined();
    expect(jsonMismatch(answer, { probabilities: [0.9, 0.1], count: 1000 }, { tolerance: { absolute: 0.01 } })).toBe(
      'at $.probabilities[0]: expected 0.9 (±0.01), got 0.912',
    );
    expect(jsonMismatch(answer, { count: 995 }, { subset: true, tolerance: { relative: 0.01 } })).toBeUndefined();
    expect(jsonMismatch(answer, { count: 980 }, { subset: true, tolerance: { relative: 0.01, absolute: 1 } })).toBe(
      'at $.count: expected 980 (±1 or ±1%), got 1000',
    );
    expect(jsonMismatch(0.1 + 0.2, 0.3)).toBe('at $: expected 0.3, got 0.30000000000000004');
  });

  it('describes tolerances and cuts long text', () => {
    expect(describeTolerance({ relative: 0.001 })).toBe('±0.1%');
    expect(describeTolerance(undefined)).toBe('');
    expect(truncate('abcdef', 3)).toBe('abc… (3 more characters)');
  });
});
