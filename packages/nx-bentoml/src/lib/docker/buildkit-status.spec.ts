import { buildkitLog, decodeBuildkitStatus } from './buildkit-status';
import { protobufVarintField } from './protobuf';

/** A protobuf length-delimited field, enough to write StatusResponse messages by hand. */
const field = (number: number, value: Buffer | string) => {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
  return Buffer.concat([Buffer.from([(number << 3) | 2, bytes.length]), bytes]);
};
const varintField = (number: number, value: number) => Buffer.from([number << 3, value]);

describe('BuildKit status messages', () => {
  const vertex = (digest: string, name: string, extra: Buffer[] = []) =>
    field(1, Buffer.concat([field(1, digest), field(3, name), ...extra]));
  const log = (digest: string, text: string) => field(3, Buffer.concat([field(1, digest), field(4, text)]));

  it('reads step names, cached and failed steps, and command output', () => {
    const message = Buffer.concat([
      vertex('sha256:a', '[1/3] FROM base', [varintField(4, 1)]),
      vertex('sha256:b', '[2/3] RUN uv pip install', [field(7, 'exit code: 1')]),
      log('sha256:b', 'Resolved 73 packages\nerror: no such package\n'),
    ]).toString('base64');
    expect(decodeBuildkitStatus(message)).toEqual({
      vertexes: [
        { digest: 'sha256:a', name: '[1/3] FROM base', cached: true, completed: false },
        { digest: 'sha256:b', name: '[2/3] RUN uv pip install', cached: false, completed: false, error: 'exit code: 1' },
      ],
      logs: [{ vertex: 'sha256:b', text: 'Resolved 73 packages\nerror: no such package\n' }],
    });
  });

  it('writes each step once, numbered, with its output in whole lines and its outcome', () => {
    const lines: string[] = [];
    const buildLog = buildkitLog((line) => lines.push(line));
    const push = (message: Buffer) => buildLog.push(decodeBuildkitStatus(message.toString('base64')));
    push(vertex('sha256:a', 'FROM base'));
    push(Buffer.concat([vertex('sha256:a', 'FROM base', [varintField(4, 1)]), vertex('sha256:b', 'RUN x')]));
    // uv writes a line in pieces ("error", ":", " No solution..."): they make one line.
    push(log('sha256:b', 'hello\nerror'));
    push(log('sha256:b', ':'));
    push(log('sha256:b', ' No solution found\n  cause: none'));
    push(vertex('sha256:b', 'RUN x', [field(7, 'exit code: 1')]));
    buildLog.end();
    expect(lines).toEqual([
      '#1 FROM base',
      '#1 CACHED',
      '#2 RUN x',
      '#2 hello',
      '#2 error: No solution found',
      '#2   cause: none',
      '#2 ERROR: exit code: 1',
    ]);
  });

  it('condenses progress redrawn with carriage returns to its last state, as a terminal shows it', () => {
    const lines: string[] = [];
    const buildLog = buildkitLog((line) => lines.push(line));
    buildLog.push(decodeBuildkitStatus(vertex('sha256:d', 'RUN apt-get install -y git').toString('base64')));
    // dpkg redraws one line per percent; BuildKit sends the pieces as they come.
    for (const piece of [
      '(Reading database ... \r',
      '(Reading database ... 5%\r',
      '(Reading database ... 100%\r',
      '(Reading database ... 6789 files installed.)\nSetting up git\n',
    ]) {
      buildLog.push(decodeBuildkitStatus(log('sha256:d', piece).toString('base64')));
    }
    buildLog.end();
    expect(lines).toEqual(['#1 RUN apt-get install -y git', '#1 (Reading database ... 6789 files installed.)', '#1 Setting up git']);
  });

  it('writes how long a finished step took, from its start and completion timestamps', () => {
    // Timestamp { seconds = 1; nanos = 2 }: 100 s then 112.25 s.
    const timestamp = (seconds: number, nanos: number) => Buffer.concat([protobufVarintField(1, seconds), protobufVarintField(2, nanos)]);
    const started = field(5, timestamp(100, 0));
    const completed = field(6, timestamp(112, 250_000_000));
    const decoded = decodeBuildkitStatus(vertex('sha256:c', 'RUN uv pip install', [started, completed]).toString('base64'));
    expect(decoded.vertexes).toEqual([{ digest: 'sha256:c', name: 'RUN uv pip install', cached: false, completed: true, seconds: 12.25 }]);

    const lines: string[] = [];
    const buildLog = buildkitLog((line) => lines.push(line));
    buildLog.push(decodeBuildkitStatus(vertex('sha256:c', 'RUN uv pip install', [started]).toString('base64')));
    buildLog.push(decoded);
    expect(lines).toEqual(['#1 RUN uv pip install', '#1 DONE 12.3s']);
  });
});
