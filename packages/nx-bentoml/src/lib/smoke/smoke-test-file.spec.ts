import { join } from 'node:path';
import { useTempDir } from '../../testing/temp-dir';
import { readSmokeTestFile } from './smoke-test-file';

describe('readSmokeTestFile', () => {
  const temp = useTempDir('smoke-file-');
  const read = (json: unknown) => {
    temp.write('apps/x/smoke-test.json', typeof json === 'string' ? json : JSON.stringify(json, null, 2));
    return readSmokeTestFile(join(temp.dir, 'apps/x/smoke-test.json'), 'apps/x/smoke-test.json');
  };
  const problem = (json: unknown) => {
    try {
      read(json);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('no error');
  };

  it('reads the one-request file the service generator writes, unchanged', () => {
    expect(read({ endpoint: '/predict', request: { input: [[5.1, 3.5, 1.4, 0.2]] }, expect: ['setosa'] })).toEqual([
      {
        index: 1,
        name: undefined,
        method: 'POST',
        endpoint: '/predict',
        headers: {},
        body: { kind: 'json', value: { input: [[5.1, 3.5, 1.4, 0.2]] } },
        status: undefined,
        expectation: { kind: 'json', value: ['setosa'], subset: false, tolerance: undefined },
        timeoutMs: 60_000,
      },
    ]);
    expect(read({ endpoint: '/predict', request: {} })[0].expectation).toEqual({ kind: 'status' });
    const generated = join(__dirname, '../../generators/service/files/smoke-test.json__tmpl__');
    expect(readSmokeTestFile(generated, 'smoke-test.json')).toMatchObject([
      { endpoint: '/predict', expectation: { kind: 'json', subset: false } },
    ]);
  });

  it('reads several requests, as {"requests": [...]} or as a list', () => {
    const requests = [
      { name: 'json', endpoint: '/a', json: null, expectSubset: { a: 1 }, tolerance: { relative: 0.1 } },
      { endpoint: '/b', method: 'GET', status: [200, 204], expectPattern: '^ok\\b' },
      { endpoint: '/c', body: 'hello', expectText: 'hi', timeoutSeconds: 5, headers: { 'x-key': '1' } },
    ];
    const fromObject = read({ requests });
    expect(read(requests)).toEqual(fromObject);
    expect(fromObject.map((request) => [request.index, request.name, request.method, request.endpoint])).toEqual([
      [1, 'json', 'POST', '/a'],
      [2, undefined, 'GET', '/b'],
      [3, undefined, 'POST', '/c'],
    ]);
    expect(fromObject[0].body).toEqual({ kind: 'json', value: null });
    expect(fromObject[0].expectation).toEqual({ kind: 'json', value: { a: 1 }, subset: true, tolerance: { relative: 0.1 } });
    expect(fromObject[1].status).toEqual([200, 204]);
    expect(fromObject[1].expectation).toEqual({ kind: 'pattern', pattern: /^ok\b/ });
    expect(fromObject[2]).toMatchObject({
      body: { kind: 'raw', contentType: 'text/plain; charset=utf-8', text: 'hello' },
      expectation: { kind: 'text', text: 'hi' },
      headers: { 'x-key': '1' },
      timeoutMs: 5000,
    });
  });

  it('resolves files against the file, with their content type from the extension or as given', () => {
    temp.write('apps/x/samples/cat.PNG');
    temp.write('apps/x/samples/b.bin');
    temp.write('apps/x/clip.wav');
    const [multipart, raw] = read([
      {
        endpoint: '/classify',
        multipart: {
          image: { file: 'samples/cat.PNG' },
          pages: [{ file: 'samples/b.bin', contentType: 'application/pdf', filename: 'b.pdf' }, { file: 'clip.wav' }],
          threshold: 0.5,
          label: 'cat',
          options: { top_k: 3 },
        },
      },
      { endpoint: '/transcribe', body: { file: 'clip.wav' } },
    ]);
    const file = (path: string) => join(temp.dir, 'apps/x', path);
    expect(multipart.body).toEqual({
      kind: 'multipart',
      fields: [
        { name: 'image', file: { path: file('samples/cat.PNG'), shown: 'samples/cat.PNG', filename: 'cat.PNG', contentType: 'image/png' } },
        { name: 'pages', file: { path: file('samples/b.bin'), shown: 'samples/b.bin', filename: 'b.pdf', contentType: 'application/pdf' } },
        { name: 'pages', file: { path: file('clip.wav'), shown: 'clip.wav', filename: 'clip.wav', contentType: 'audio/wav' } },
        { name: 'threshold', value: '0.5' },
        { name: 'label', value: 'cat' },
        { name: 'options', value: '{"top_k":3}' },
      ],
    });
    expect(raw.body).toMatchObject({ kind: 'raw', contentType: 'audio/wav', file: { shown: 'clip.wav' } });
  });

  it('names file, line and column of a JSON syntax error', () => {
    expect(problem('{\n  "endpoint": "/predict",\n  "request": {"input": [1, 2,]}\n}')).toBe(
      'apps/x/smoke-test.json:3:30: invalid JSON: expected a JSON value, found "]". Fix the syntax and run again.',
    );
  });

  it.each([
    [{ endpoint: 'predict' }, '2:15: "endpoint" must start with "/", for example "/predict".'],
    [{ request: {} }, '1:1: "endpoint" is required.'],
    [{ endpoint: '/p', expected: [] }, '3:3: unknown key "expected" in the request; a request takes name, endpoint,'],
    [
      { requests: [{ endpoint: '/a' }, { endpoint: '/b', expect: 1, expectSubset: 1 }] },
      '9:7: "requests[1].expectSubset" cannot go with "expect": give one expectation.',
    ],
    [{ endpoint: '/p', json: 1, multipart: {} }, '4:3: "multipart" cannot go with "json": give one body.'],
    [
      { endpoint: '/p', expectText: 'x', tolerance: { absolute: 1 } },
      '4:3: "tolerance" applies to "expect" or "expectSubset", and neither is given.',
    ],
    [{ endpoint: '/p', expect: 1, tolerance: {} }, '4:3: "tolerance" needs "absolute", "relative" or both.'],
    [
      { endpoint: '/p', expect: 1, tolerance: { absolute: -1 } },
      '5:17: "tolerance.absolute" is invalid: too small: expected number to be >=0.',
    ],
    [{ endpoint: '/p', expectPattern: '(' }, '3:3: "expectPattern" is not a valid JavaScript regular expression.'],
    [{ endpoint: '/p', method: 'GET', json: {} }, '4:3: "json" cannot be sent with GET.'],
    [{ endpoint: '/p', status: 700 }, '3:13: "status" is invalid: too big: expected number to be <=599.'],
    [
      { endpoint: '/p', multipart: { image: { file: 'a.png', type: 'image/png' } } },
      '4:5: "multipart.image" is a file reference with the unknown key "type"',
    ],
    [
      { endpoint: '/p', multipart: { image: { file: 'missing.png' } } },
      '5:15: the file missing.png does not exist (paths are relative to apps/x/smoke-test.json).',
    ],
    [
      { endpoint: '/p', body: { file: 'nope.bin', contentType: 'nope' } },
      '5:20: "body.contentType" must be a media type such as "image/png".',
    ],
    [[], '1:1: the list of requests is empty.'],
    [{ requests: [], other: 1 }, '3:3: unknown key "other" next to "requests"'],
    [{ requests: {} }, '2:15: "requests" must be a non-empty list of requests.'],
    ['"x"', '1:1: the file must be one request {"endpoint": ...}, a list of requests, or {"requests": [...]}.'],
  ])('reports %j as file:line:col', (json, message) => {
    expect(problem(json)).toContain(`apps/x/smoke-test.json:${message}`);
  });
});
