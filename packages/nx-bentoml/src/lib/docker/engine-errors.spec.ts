import { failingStep } from './build-failure';
import { createDockerClient } from './client';

describe('Docker Engine failures, as users meet them', () => {
  it('says the engine is not running, and how to point at one, when nothing listens on the socket', async () => {
    const docker = createDockerClient({
      description: '/tmp/nx-bentoml-no-engine.sock',
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
});
