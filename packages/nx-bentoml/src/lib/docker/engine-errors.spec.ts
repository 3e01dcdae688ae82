import { thisMachine } from './engine-address';
import { buildFailure, failingStep } from './build-failure';
import { createDockerClient } from './client';

describe('Docker Engine failures, as users meet them', () => {
  it('says the engine is not running, and how to point at one, when nothing listens on the socket', async () => {
    const docker = createDockerClient({
      description: '/tmp/nx-bentoml-no-engine.sock',
      host: thisMachine,
      connection: { socketPath: '/tmp/nx-bentoml-no-engine.sock' },
    });
    await expect(docker.ping()).rejects.toThrow(
      'Cannot reach the Docker Engine at /tmp/nx-bentoml-no-engine.sock: is it running? Start Docker (Docker Desktop, or "dockerd"), or set DOCKER_HOST.',
    );
  });

  it('shows the failing Dockerfile step and what it printed', () => {
    const transcript = [
      'Step 11/14 : COPY --chown=bentoml:bentoml ./env/python ./env/python/',
      ' ---> 1a2b3c',
      'Step 12/14 : RUN uv pip install -r requirements.txt',
      ' ---> Running in 4d5e6f',
      '  × No solution found when resolving dependencies:',
      '  ╰─▶ Because there is no version of scikit-learn==9.9.9 and you require scikit-learn==9.9.9, we can conclude that your requirements are unsatisfiable.',
    ];
    expect(failingStep(transcript)).toBe(transcript.slice(2).join('\n'));
  });

  it("shows BuildKit's failed step: its name, its output and its error, not the other steps'", () => {
    const transcript = [
      '#7 [4/9] COPY --chown=bentoml:bentoml bento/env/python ./env/python/',
      '#7 CACHED',
      '#8 [5/9] RUN uv pip install -r requirements.txt',
      '#9 [internal] load build context',
      '#8 × No solution found when resolving dependencies:',
      '#9 transferring context: 2kB',
      '#8 ERROR: executor failed running [/bin/sh -c uv pip install -r requirements.txt]: exit code: 1',
    ];
    expect(failingStep(transcript)).toBe([transcript[2], transcript[4], transcript[6]].join('\n'));
  });

  it('names a base image BuildKit could not get, with where to fix it', () => {
    const error = buildFailure('failed to solve with frontend dockerfile.v0: failed to create LLB definition: not found', [
      '#1 [internal] load build definition from Dockerfile.nx-bentoml',
      '#2 [internal] load metadata for 127.0.0.1:5000/team/python:3.11',
      '#2 ERROR: 127.0.0.1:5000/team/python:3.11: not found',
    ]);
    expect(error.message).toMatch(
      /^The base image 127\.0\.0\.1:5000\/team\/python:3\.11 is not in the Docker Engine and could not be pulled: .*Check docker\.base_image in the bentofile/,
    );
    expect(
      buildFailure('x', ['#2 [internal] load metadata for docker.io/library/python:3.11-slim', '#2 ERROR: pull access denied']).message,
    ).toMatch(
      /^The base image python:3\.11-slim is not in the Docker Engine and could not be pulled: x\. BentoML starts from python:<docker\.python_version>-slim/,
    );
  });
});
