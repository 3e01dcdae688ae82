import { createServer } from 'node:net';
import type Docker from 'dockerode';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function pullImage(docker: Docker, reference: string, auth: { username: string; password: string; serveraddress: string }) {
  const stream = await docker.pull(reference, { authconfig: auth });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failure = events?.find((event) => event.error);
      return error || failure ? reject(error ?? new Error(failure?.error)) : resolve();
    }),
  );
}

/** Removes an image and every tag pointing at it, so the next use must pull it. */
export async function removeImageEverywhere(docker: Docker, imageId: string) {
  const info = await docker.getImage(imageId).inspect();
  for (const tag of info.RepoTags ?? [])
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  await docker
    .getImage(imageId)
    .remove({ force: true })
    .catch(() => undefined);
}

/**
 * Removes every local image tagged in a repository named `imageName`, with or without a registry
 * in front ("e2e-x/classifier:nx1", "127.0.0.1:5055/e2e-x/classifier:latest"), so a run leaves
 * nothing in a shared engine. Errors are ignored: this is cleanup.
 */
export async function removeRepositoryImages(docker: Docker, imageName: string) {
  const images = await docker.listImages().catch(() => []);
  const tags = images.flatMap((image) => image.RepoTags ?? []).filter((tag) => isInRepository(tag, imageName));
  for (const tag of tags)
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
}

/** "127.0.0.1:5055/e2e-x/classifier:nx1" and "e2e-x/classifier:latest" are in "e2e-x/classifier"; "e2e-x/classifier-2:1" is not. */
function isInRepository(tag: string, imageName: string): boolean {
  // Tags hold neither ":" nor "/", so the last ":" ends the repository, even after a registry port.
  const repository = tag.slice(0, tag.lastIndexOf(':'));
  return repository === imageName || repository.endsWith(`/${imageName}`);
}

/** Runs an image on a loopback port, waits until BentoML is ready, posts one request, always removes the container. */
export async function predictWithContainer(docker: Docker, image: string, path: string, body: unknown): Promise<unknown> {
  const port = await freePort();
  const container = await docker.createContainer({
    Image: image,
    ExposedPorts: { '3000/tcp': {} },
    HostConfig: { PortBindings: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
  });
  try {
    await container.start();
    await waitForReady(`http://127.0.0.1:${port}/readyz`, 120_000);
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
    return await response.json();
  } finally {
    await container.remove({ force: true });
  }
}

export async function waitForReady(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} was not ready within ${timeoutMs / 1000} s`);
}

/**
 * Runs an image with no network at all (NetworkMode none: nothing but loopback inside), waits
 * until BentoML is ready, posts one request from inside the container and answers the body;
 * always removes the container. Proves that the service needs nothing from outside to start.
 */
export async function requestWithoutNetwork(docker: Docker, image: string, path: string, body: unknown): Promise<string> {
  const container = await docker.createContainer({ Image: image, HostConfig: { NetworkMode: 'none' } });
  const python = (code: string) => ['/app/.venv/bin/python', '-c', code];
  const exec = async (command: string[]) => {
    const run = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
    const stream = await run.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise((resolve) => stream.on('end', resolve));
    const { ExitCode } = await run.inspect();
    // Without a TTY the output is framed (8-byte headers); the text is all this test needs.
    return { exitCode: ExitCode, output: Buffer.concat(chunks).toString('utf8') };
  };
  try {
    await container.start();
    const deadline = Date.now() + 120_000;
    const ready = python('import urllib.request; urllib.request.urlopen("http://127.0.0.1:3000/readyz", timeout=2)');
    for (;;) {
      // Asked before each exec: an exec into a stopped container fails without saying why it stopped.
      if (!(await container.inspect()).State.Running) {
        const logs = (await container.logs({ stdout: true, stderr: true })).toString();
        throw new Error(`${image} exited without network: ${logs.slice(-3000)}`);
      }
      if ((await exec(ready)).exitCode === 0) break;
      if (Date.now() > deadline) throw new Error(`${image} was not ready within 120 s without network`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const answer = await exec(
      python(
        `import urllib.request; print(urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:3000${path}", data=${JSON.stringify(JSON.stringify(body))}.encode(), headers={"content-type": "application/json"})).read().decode())`,
      ),
    );
    if (answer.exitCode !== 0) throw new Error(`POST ${path} inside ${image} failed: ${answer.output}`);
    return answer.output;
  } finally {
    await container.remove({ force: true });
  }
}
