import { buildFailure, buildTranscript } from './build-failure';

describe('a failed image build, as users read it', () => {
  it("joins the classic builder's coloured fragments into whole lines", () => {
    const seen: string[] = [];
    const transcript = buildTranscript((line) => seen.push(line));
    // How Docker 20.10 streams uv's stderr during a RUN step: a write per token, each wrapped in red.
    for (const fragment of [
      'Step 26/46 : RUN uv pip install -r requirements.txt\n',
      '\x1b[91merror\x1b[0m',
      '\x1b[91m:\x1b[0m',
      '\x1b[91m \x1b[0m',
      '\x1b[91mNo solution found\x1b[0m',
      '\x1b[91m\n\x1b[0m',
      '\x1b[91m  cause: Because x was not found\n\x1b[0m',
      'tail without newline',
    ]) {
      transcript.push(fragment);
    }
    transcript.end();
    expect(transcript.lines).toEqual([
      'Step 26/46 : RUN uv pip install -r requirements.txt',
      'error: No solution found',
      '  cause: Because x was not found',
      'tail without newline',
    ]);
    expect(seen).toEqual(transcript.lines);
  });

  it("keeps a line redrawn with carriage returns (apt's progress) once, in its last state", () => {
    const transcript = buildTranscript();
    transcript.push('(Reading database ... \r(Reading database ... 5%\r(Reading database ... 100%\r');
    transcript.push('(Reading database ... 6789 files installed.)\nUnpacking git ...\r\n');
    transcript.end();
    expect(transcript.lines).toEqual(['(Reading database ... 6789 files installed.)', 'Unpacking git ...']);
  });

  it('shows the failing step, what it printed and where to fix it', () => {
    const message = buildFailure("The command '/bin/sh -c uv pip install -r requirements.txt' returned a non-zero code: 1", [
      'Step 25/46 : ENV PATH=/app/.venv/bin:${PATH}',
      ' ---> Running in 1a2b',
      'Step 26/46 : RUN uv pip install -r requirements.txt',
      'error: No solution found when resolving dependencies',
    ]).message;
    expect(message).toBe(
      [
        "The image build failed: The command '/bin/sh -c uv pip install -r requirements.txt' returned a non-zero code: 1",
        'Step 26/46 : RUN uv pip install -r requirements.txt',
        'error: No solution found when resolving dependencies',
        'The step comes from the Dockerfile BentoML generated from the bentofile: fix what it needs there (python packages, docker options, setup script) and run again.',
      ].join('\n'),
    );
  });

  it('says which base image the engine could not get when the FROM step fails', () => {
    const message = buildFailure('Head "http://127.0.0.1:5055/v2/team/base/manifests/1": no basic auth credentials', [
      'Step 1/46 : FROM 127.0.0.1:5055/team/base:1 AS base-container',
    ]).message;
    expect(message).toBe(
      'The base image 127.0.0.1:5055/team/base:1 is not in the Docker Engine and could not be pulled: Head "http://127.0.0.1:5055/v2/team/base/manifests/1": no basic auth credentials. ' +
        'Check docker.base_image in the bentofile (or the baseImage option, which replaces it); an image from a private registry must be pulled first ("docker pull 127.0.0.1:5055/team/base:1").',
    );
  });

  it("names docker.base_image and docker.python_version when BentoML's default base image cannot be pulled", () => {
    const message = buildFailure('Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host', [
      'Step 1/46 : FROM python:3.12-slim AS base-container',
    ]).message;
    expect(message).toBe(
      'The base image python:3.12-slim is not in the Docker Engine and could not be pulled: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host. ' +
        'BentoML starts from python:<docker.python_version>-slim when the bentofile sets no docker.base_image: ' +
        "set docker.base_image in the bentofile to an image the engine has or can pull, and docker.python_version to that image's Python version, " +
        'or pull python:3.12-slim first ("docker pull python:3.12-slim").',
    );
  });
});
