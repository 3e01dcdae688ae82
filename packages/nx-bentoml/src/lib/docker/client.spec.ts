import { thisMachine } from './engine-address';
import Docker from 'dockerode';
import { createDockerClient } from './client';

jest.mock('dockerode');

/** A container as dockerode returns it, with the state and ports the Engine would report after start. */
function fakeContainer(state: { Running: boolean; ExitCode: number }, hostPort = '49153') {
  const frame = (text: string) => Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
  return {
    id: 'c1',
    start: jest.fn(async () => undefined),
    inspect: jest.fn(async () => ({
      State: state,
      NetworkSettings: { Ports: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: hostPort }] } },
    })),
    logs: jest.fn(async () => Buffer.concat([frame('Starting\n'), frame('Traceback: no model\n')])),
    remove: jest.fn(async () => undefined),
  };
}

describe('createDockerClient', () => {
  beforeEach(() => jest.mocked(Docker).mockClear());

  it('gives dockerode no connection options for DOCKER_HOST, so docker-modem reads it with its TLS and ssh settings', () => {
    createDockerClient({ description: 'DOCKER_HOST=ssh://me@build-host', host: { hostname: 'build-host', remote: true } });
    expect(Docker).toHaveBeenCalledWith(undefined);
  });

  it("connects to a docker context's endpoint", () => {
    createDockerClient({
      description: 'docker context "desktop-linux"',
      host: thisMachine,
      connection: { socketPath: '/home/u/.docker/desktop/docker.sock' },
    });
    expect(Docker).toHaveBeenCalledWith({ socketPath: '/home/u/.docker/desktop/docker.sock' });
  });
});

describe('DockerClient.runContainer', () => {
  const engineWith = (container: ReturnType<typeof fakeContainer>) => {
    const createContainer = jest.fn(async () => container);
    jest.mocked(Docker).mockImplementation(() => ({ createContainer }) as unknown as Docker);
    return { client: createDockerClient({ description: 'test engine', host: thisMachine }), createContainer };
  };

  it('lets the Engine pick the host port on 127.0.0.1, labels the container and reports the port it bound', async () => {
    const { client, createContainer } = engineWith(fakeContainer({ Running: true, ExitCode: 0 }));
    const container = await client.runContainer('sha256:1', {
      containerPort: 3000,
      hostPort: 0,
      labels: { 'dev.nx-bentoml.smoke-test': 'classifier' },
    });
    expect(createContainer).toHaveBeenCalledWith({
      Image: 'sha256:1',
      Labels: { 'dev.nx-bentoml.smoke-test': 'classifier' },
      ExposedPorts: { '3000/tcp': {} },
      HostConfig: { PortBindings: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    expect(container.hostPort).toBe(49153);
    expect(container.url).toBe('http://127.0.0.1:49153');
    expect(await container.logs()).toBe('Starting\nTraceback: no model\n');
  });

  describe('on an engine of another machine', () => {
    const remoteEngineWith = (container: ReturnType<typeof fakeContainer>) => {
      const createContainer = jest.fn(async () => container);
      jest.mocked(Docker).mockImplementation(() => ({ createContainer }) as unknown as Docker);
      const address = { description: 'DOCKER_HOST=tcp://build-host:2376', host: { hostname: 'build-host', remote: true } };
      return { client: createDockerClient(address), createContainer };
    };

    it('binds the address the user chose and reaches the port at the engine host', async () => {
      const { client, createContainer } = remoteEngineWith(fakeContainer({ Running: true, ExitCode: 0 }));
      const container = await client.runContainer('sha256:1', { containerPort: 3000, hostPort: 0, labels: {}, publishAddress: '0.0.0.0' });
      expect(createContainer).toHaveBeenCalledWith(
        expect.objectContaining({ HostConfig: { PortBindings: { '3000/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }] } } }),
      );
      expect(container.url).toBe('http://build-host:49153');
    });

    it('starts nothing without an address the user chose', async () => {
      const { client, createContainer } = remoteEngineWith(fakeContainer({ Running: true, ExitCode: 0 }));
      await expect(client.runContainer('sha256:1', { containerPort: 3000, hostPort: 0, labels: {} })).rejects.toThrow(
        'The Docker Engine at DOCKER_HOST=tcp://build-host:2376 runs on another machine (build-host)',
      );
      expect(createContainer).not.toHaveBeenCalled();
    });
  });

  it('binds a given host port', async () => {
    const { client, createContainer } = engineWith(fakeContainer({ Running: true, ExitCode: 0 }, '8080'));
    expect((await client.runContainer('sha256:1', { containerPort: 3000, hostPort: 8080, labels: {} })).hostPort).toBe(8080);
    expect(createContainer).toHaveBeenCalledWith(
      expect.objectContaining({ HostConfig: { PortBindings: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] } } }),
    );
  });

  it('reports a container that exited as it started, with its output, and removes it', async () => {
    const exited = fakeContainer({ Running: false, ExitCode: 1 });
    const { client } = engineWith(exited);
    await expect(client.runContainer('sha256:1', { containerPort: 3000, hostPort: 0, labels: {} })).rejects.toThrow(
      'The container exited with code 1 as soon as it started. Its output:\nStarting\nTraceback: no model\n',
    );
    expect(exited.remove).toHaveBeenCalledWith({ force: true });
  });
});

describe('DockerClient.imagePython', () => {
  const frame = (text: string) => Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
  const probeContainer = (start: () => Promise<void> = async () => undefined) => ({
    start: jest.fn(start),
    wait: jest.fn(async () => ({ StatusCode: 0 })),
    logs: jest.fn(async () => frame('3.11.2\n3.11\n3.12\n')),
    remove: jest.fn(async () => undefined),
  });
  const engineWith = (container: ReturnType<typeof probeContainer>, inspect: () => Promise<unknown> = async () => ({})) => {
    const createContainer = jest.fn(async () => container);
    jest.mocked(Docker).mockImplementation(() => ({ createContainer, getImage: () => ({ inspect }) }) as unknown as Docker);
    return { client: createDockerClient({ description: 'test engine', host: thisMachine }), createContainer };
  };

  it("runs python3 in a container of the image without network, reads python3's version and the other python3.X, and removes it", async () => {
    const container = probeContainer();
    const { client, createContainer } = engineWith(container);
    expect(await client.imagePython('team/python:3.11')).toEqual({ version: '3.11.2', onPath: ['3.11', '3.12'] });
    expect(createContainer).toHaveBeenCalledWith(
      expect.objectContaining({
        Image: 'team/python:3.11',
        Entrypoint: ['python3', '-c', expect.stringContaining('sys.version_info')],
        Cmd: [],
        NetworkDisabled: true,
        HostConfig: { NetworkMode: 'none' },
      }),
    );
    expect(container.remove).toHaveBeenCalledWith({ force: true });
  });

  it('pulls nothing and runs nothing for an image the engine does not hold', async () => {
    const container = probeContainer();
    const missing = async () => Promise.reject(Object.assign(new Error('no such image'), { statusCode: 404 }));
    const { client, createContainer } = engineWith(container, missing);
    expect(await client.imagePython('python:3.12-slim')).toBeUndefined();
    expect(createContainer).not.toHaveBeenCalled();
  });

  it('cannot tell for an image without python3, and removes the container', async () => {
    const noPython = probeContainer(async () => {
      throw Object.assign(new Error('exec: "python3": executable file not found in $PATH'), { statusCode: 400 });
    });
    const { client } = engineWith(noPython);
    expect(await client.imagePython('busybox:1')).toBeUndefined();
    expect(noPython.remove).toHaveBeenCalledWith({ force: true });
  });
});
