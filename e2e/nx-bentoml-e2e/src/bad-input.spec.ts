import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { type ChainWorkspace, addTrainedService, createChainWorkspace } from './support/chain-workspace';
import { removeRepositoryImages } from './support/container';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { cachedTaskHashes, directoryState, filesContaining, nxDataDirectories } from './support/leftovers';
import { registryManifestDigest } from './support/registry';
import { type RunResult, run, runNx, runNxUnchecked } from './support/run';

interface PushManifest {
  pushed: Array<{ tag: string; digest: string; status: 'pushed' | 'up-to-date' }>;
}

const project = 'guarded';
const bentoDir = `dist/apps/${project}/bento`;
const imageDir = `dist/apps/${project}/image`;
const missingPackage = 'nx-bentoml-no-such-package==1.0';

/**
 * Bad input met for real (BentoML, Docker Engine, registry): each ends the task with one message
 * that says what is wrong and what to do, a non-zero exit, no stack trace, the failed target's
 * previous output untouched and nothing new in the Nx cache. And the registry secret, given as a
 * password or by a credential helper, appears in no output, no dist file and no Nx data file.
 * One workspace and one service for all.
 */
describe('bad input fails with one clear message and leaves nothing behind; secrets stay secret', () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  let taskEnv: Record<string, string>;
  const imageName = `bad-input-${Date.now().toString(36)}/${project}`;
  /** Everything every nx command of this suite printed: no secret may be in any of it. */
  const printedByTasks: string[] = [];
  const file = (path: string) => join(workspace.root, path);
  const printed = (result: RunResult) => `${result.stdout}\n${result.stderr}`;
  const nx = (args: string[], env = taskEnv) => {
    const result = runNx(workspace.root, args, env);
    printedByTasks.push(printed(result));
    return printed(result);
  };

  /**
   * Runs a command expected to fail and checks what every failure owes the user; returns what it
   * printed for the test's own message checks.
   */
  const failsCleanly = (args: string[], outputDir: string, runner = (a: string[]) => runNxUnchecked(workspace.root, a, taskEnv)) => {
    const outputBefore = directoryState(file(outputDir));
    const cacheBefore = cachedTaskHashes(workspace.root);
    // The publish left an output and a cache entry: the comparisons below compare something.
    expect(Object.keys(outputBefore.files).length).toBeGreaterThan(0);
    expect(cacheBefore.length).toBeGreaterThan(0);
    const result = runner(args);
    const output = printed(result);
    printedByTasks.push(output);
    expect(result.status).not.toBe(0);
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(output).not.toMatch(/Traceback \(most recent call last\)|^\s+File ".+", line \d+/m);
    expect(directoryState(file(outputDir))).toEqual(outputBefore);
    expect(cachedTaskHashes(workspace.root)).toEqual(cacheBefore);
    return output;
  };

  /** Changes a file for one test and puts it back whatever happens. */
  const withFile = (path: string, change: (text: string) => string, body: () => void | Promise<void>) => async () => {
    const original = readFileSync(file(path));
    writeFileSync(file(path), change(original.toString('utf8')));
    try {
      await body();
    } finally {
      writeFileSync(file(path), original);
    }
  };
  const bentofile = `apps/${project}/src/bentofile.yaml`;
  const modelFile = `apps/${project}/model/${project}_model.bentomodel`;

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    workspace = createChainWorkspace('bad-input-ws', environment);
    taskEnv = workspace.taskEnv;
    addTrainedService(workspace, environment, project, imageName);
  });

  afterAll(async () => {
    if (environment) await removeRepositoryImages(environment.docker, imageName).catch(() => undefined);
    workspace?.cleanup();
  });

  describe('secrets', () => {
    it('publishes with the registry password from the environment', async () => {
      expect(nx(['run', `${project}:publish`])).toMatch(/Published bad-input-\w+\/guarded: 2 pushed, 0 up to date\./);
      const push = JSON.parse(readFileSync(file(`dist/apps/${project}/push/push.json`), 'utf8')) as PushManifest;
      const auth = { username: environment.username, password: environment.password };
      expect(await registryManifestDigest(environment.registry, imageName, push.pushed[0].tag, auth)).toEqual({
        status: 200,
        digest: push.pushed[0].digest,
      });
    });

    it('publishes with the credentials a Docker credential helper hands out', () => {
      // A helper as docker-credential-pass or -gcr are: `get` reads the server on stdin and answers JSON.
      // The registry checks an htpasswd file, so the helper's secret is the registry password.
      const helperDir = join(dirname(workspace.root), 'credential-helper');
      const calls = join(helperDir, 'calls.log');
      mkdirSync(helperDir, { recursive: true });
      const helper = join(helperDir, 'docker-credential-nxe2e');
      writeFileSync(
        helper,
        [
          '#!/bin/sh',
          'read -r server',
          `echo "$1 $server" >> '${calls}'`,
          `printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" '${environment.username}' "$(head -n 1 '${process.env['NX_BENTOML_REGISTRY_PASSWORD_FILE']}')"`,
          '',
        ].join('\n'),
      );
      chmodSync(helper, 0o755);
      writeFileSync(join(taskEnv['DOCKER_CONFIG'], 'config.json'), JSON.stringify({ credHelpers: { [environment.registry]: 'nxe2e' } }));
      // Nothing in the environment this time: the helper is the only way to the registry.
      const { NX_BENTOML_REGISTRY_USERNAME: _user, NX_BENTOML_REGISTRY_PASSWORD: _password, ...withoutCredentials } = taskEnv;
      const output = nx(['run', `${project}:publish`, '--force'], { ...withoutCredentials, PATH: `${helperDir}:${process.env['PATH']}` });

      expect(output).toMatch(/Published bad-input-\w+\/guarded: 2 pushed, 0 up to date\./);
      expect(output).toContain(`as ${environment.username}...`);
      expect(readFileSync(calls, 'utf8')).toContain(`get ${environment.registry}`);
    });
  });

  describe('bad input', () => {
    it.each([
      ['truncated', (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2)), '(the archive ends early)'],
      [
        'random bytes',
        (bytes: Buffer) => Buffer.from(bytes.map((_byte, index) => (index * 151 + 7) % 256)),
        '(_lzma.LZMAError: Input format not supported by decoder)',
      ],
    ])('a %s .bentomodel: the file is named as damaged, with how to restore it', async (_kind, corrupt, reason) => {
      const original = readFileSync(file(modelFile));
      writeFileSync(file(modelFile), corrupt(original));
      try {
        const output = failsCleanly(['run', `${project}:bento-build`], bentoDir);
        expect(output).toContain(`${modelFile} is not a model archive BentoML can read ${reason}: it is truncated or damaged. Restore it`);
      } finally {
        writeFileSync(file(modelFile), original);
      }
    });

    it(
      'serve.py asks for a model no model file holds: the model is named, with both ways to fix it',
      withFile(
        `apps/${project}/src/serve.py`,
        (text) => text.replace(`"${project}_model:latest"`, '"another_model:latest"'),
        () => {
          const output = failsCleanly(['run', `${project}:bento-build`], bentoDir);
          expect(output).toContain(
            "The service asks for the model another_model:latest, which is not in the BentoML store: none of the project's model files holds it.",
          );
        },
      ),
    );

    it('a syntax error in serve.py: its workspace path and line, the code and the error, no traceback', async () => {
      // An output and a cache entry that the failure must leave alone, also when this test runs by itself.
      nx(['run', `${project}:bento-build`]);
      const servePy = `apps/${project}/src/serve.py`;
      const withoutColon = (text: string) => text.replace(/^(\s*def predict\(.*\)(?: -> .*)?):$/m, '$1');
      await withFile(servePy, withoutColon, () => {
        const lines = readFileSync(file(servePy), 'utf8').split('\n');
        const line = lines.findIndex((text) => /^\s*def predict\(.*[^:]$/.test(text)) + 1;
        expect(line).toBeGreaterThan(0);
        const output = failsCleanly(['run', `${project}:bento-build`], bentoDir);
        expect(output).toContain(
          `BentoML could not load the service of ${bentofile}:\n${servePy}:${line}\n    ${lines[line - 1].trim()}\n`,
        );
        expect(output).toMatch(/^ +\^\nSyntaxError: expected ':'$/m);
        expect(output.slice(output.indexOf('BentoML could not load'))).not.toContain(workspace.root);
      })();
    });

    it(
      "a Python package that does not exist fails bento-build when BentoML locks the packages, with uv's reason",
      withFile(
        bentofile,
        (text) => text.replace('  packages:\n', `  packages:\n    - "${missingPackage}"\n`),
        () => {
          const output = failsCleanly(['run', `${project}:bento-build`], bentoDir);
          expect(output).toContain(`BentoML could not resolve the Python packages of ${bentofile} (python.packages, requirements_txt):`);
          expect(output).toMatch(/cause: Because nx-bentoml-no-such-package was not found in the package registry/);
          expect(output).toContain('Fix the package names or versions');
        },
      ),
    );

    it(
      'unlocked, it fails the image build instead: the failing Dockerfile step is shown with its output',
      withFile(
        bentofile,
        (text) => text.replace('  packages:\n', `  lock_packages: false\n  packages:\n    - "${missingPackage}"\n`),
        () => {
          nx(['run', `${project}:bento-build`]);
          const output = failsCleanly(['run', `${project}:containerize`], imageDir);
          const message = output.slice(output.indexOf('The image build failed:'));
          // BuildKit's failed step (its lines "#<n> …"): the RUN that installs the packages, with uv's output.
          expect(message).toMatch(/^The image build failed: .*exit code: \d+\n#\d+ \[[^\]]+\] RUN .*uv .*pip install /);
          expect(message).toMatch(/^#\d+\s+cause: Because nx-bentoml-no-such-package was not found in the package registry/m);
          expect(message).toContain('The step comes from the Dockerfile BentoML generated from the bentofile');
          // The classic builder's colour codes are gone from what the user reads.
          expect(output).not.toContain('\x1b[91m');
        },
      ),
    );

    it(
      'a base image that does not exist: the image is named, with where to fix it',
      withFile(
        bentofile,
        (text) => text.replace(/base_image: .*/, `base_image: "${environment.registry}/${imageName}-no-such-base:1"`),
        () => {
          nx(['run', `${project}:bento-build`]);
          const output = failsCleanly(['run', `${project}:containerize`], imageDir);
          expect(output).toContain(
            `The base image ${environment.registry}/${imageName}-no-such-base:1 is not in the Docker Engine and could not be pulled:`,
          );
          expect(output).toContain('Check docker.base_image in the bentofile');
        },
      ),
    );

    it('a python_version the base image does not have: refused before the image build, with both versions and the two ways out; nothing pushed', async () => {
      // An image, a push and a cache entry the failure must leave alone, also when this test runs by itself.
      const pushDir = `dist/apps/${project}/push`;
      if (!existsSync(file(`${pushDir}/push.json`))) nx(['run', `${project}:publish`]);
      const python312 = (text: string) => text.replace(/python_version: .*/, 'python_version: "3.12"');
      await withFile(bentofile, python312, async () => {
        nx(['run', `${project}:bento-build`]);
        const bento = JSON.parse(readFileSync(file(`${bentoDir}/bento.json`), 'utf8')) as { version: string; baseImage: unknown };
        expect(bento.baseImage).toEqual({ image: environment.baseImage, pythonVersion: '3.12', buildConfig: bentofile });
        const pushBefore = directoryState(file(pushDir));

        const started = Date.now();
        const output = failsCleanly(['run', `${project}:publish`], imageDir);
        expect(output).toMatch(
          new RegExp(
            `${bentofile} asks for Python 3\\.12 \\(docker\\.python_version\\), but the base image ${environment.baseImage} has Python 3\\.11\\.\\d+: `,
          ),
        );
        expect(output).toContain(`Set docker.python_version to "3.11" in ${bentofile}, or choose a docker.base_image with Python 3.12.`);
        // Refused before the build: no Dockerfile step ran, so uv never tried to download a Python.
        expect(output).not.toContain(`Building ${imageName} from`);
        expect(output).not.toMatch(/^(Step \d+\/\d+ :|#\d+ \[)/m);
        expect(Date.now() - started).toBeLessThan(60_000);
        expect(directoryState(file(pushDir))).toEqual(pushBefore);
        const auth = { username: environment.username, password: environment.password };
        expect((await registryManifestDigest(environment.registry, imageName, bento.version, auth)).status).toBe(404);
      })();
    });

    it('a Bento altered in the Nx cache (one byte of serve.py in bento.tar): containerize refuses it, naming the file; nothing built or pushed', async () => {
      // An image, a push and a cache entry the failure must leave alone, also when this test runs by itself.
      const pushDir = `dist/apps/${project}/push`;
      if (!existsSync(file(`${pushDir}/push.json`))) nx(['run', `${project}:publish`]);
      const pushed = JSON.parse(readFileSync(file(`${pushDir}/push.json`), 'utf8')) as PushManifest;
      const latestBefore = pushed.pushed.find((entry) => entry.tag === 'latest')!.digest;
      const serveModule = `apps/${project}/src/serve.py`;
      // A new version of the service, so that no engine or registry holds an image of its Bento yet.
      await withFile(
        serveModule,
        (text) => `${text}\n# Poisoned in the cache, not here.\n`,
        async () => {
          nx(['run', `${project}:bento-build`]);
          const bentoJson = readFileSync(file(`${bentoDir}/bento.json`), 'utf8');
          const bento = JSON.parse(bentoJson) as { tag: string; version: string };
          const [cacheDir] = nxDataDirectories(workspace.root).filter((dir) => basename(dir) === 'cache');
          const entry = cachedTaskHashes(workspace.root)
            .map((hash) => join(cacheDir, hash, bentoDir))
            .find((dir) => existsSync(join(dir, 'bento.json')) && readFileSync(join(dir, 'bento.json'), 'utf8') === bentoJson);
          expect(entry).toBeDefined();
          alterOneByte(join(entry!, 'bento.tar'), 'src/serve.py');
          // Restored from the cache, as on a machine that never built it.
          rmSync(file(bentoDir), { recursive: true });

          const output = failsCleanly(['run', `${project}:publish`], imageDir);
          expect(output).toMatch(new RegExp(`nx run ${project}:bento-build\\s+\\[local cache\\]`));
          expect(output).toContain(
            `${serveModule} differs from the file the Bento packs as src/serve.py (the Bento ${bento.tag} in ${bentoDir}/bento.tar): ` +
              'the Bento restored from the Nx cache does not match the workspace, a poisoned or corrupted cache entry. Nothing was built or pushed. ' +
              `Build the Bento again with "nx run ${project}:bento-build --skip-nx-cache", and check who can write to the remote cache`,
          );
          expect(output).not.toContain(`Building ${imageName} from`);
          const built = await environment.docker.listImages({ filters: { label: [`dev.nx-bentoml.bento.tag=${bento.tag}`] } });
          expect(built).toEqual([]);
          const auth = { username: environment.username, password: environment.password };
          expect((await registryManifestDigest(environment.registry, imageName, bento.version, auth)).status).toBe(404);
          expect((await registryManifestDigest(environment.registry, imageName, 'latest', auth)).digest).toBe(latestBefore);
        },
      )();
    });

    it(
      'a model file git ignores, without a DVC pointer: bento-build warns that Nx cannot hash it and goes on',
      withFile(
        '.gitignore',
        (text) => `${text}\n/${modelFile}\n`,
        () => {
          const output = nx(['run', `${project}:bento-build`]);
          expect(output).toContain(
            `${modelFile} is ignored by git, so Nx cannot hash it: a retrained model would not rebuild the Bento. Track it with git, or with DVC`,
          );
          expect(output).toMatch(/Exported guarded:\w+ \(models: guarded_model:\w+\)/);
        },
      ),
    );

    it('a Python without BentoML: how to install it, or which interpreter to point at', () => {
      const python = '/usr/bin/python3';
      expect(run(python, ['-c', 'import bentoml'], workspace.root).status).not.toBe(0);
      const output = failsCleanly(['run', `${project}:bento-build`, `--python=${python}`], bentoDir);
      expect(output).toContain(`BentoML is not installed for ${python}. Install it with "${python} -m pip install bentoml"`);
    });

    it('a BentoML outside the supported range: the version found, the range and what to install', () => {
      // The e2e interpreter with a BentoML 1.5.0 distribution first on its path: only its metadata is read.
      const stub = join(dirname(workspace.root), 'bentoml-1.5');
      mkdirSync(join(stub, 'site', 'bentoml-1.5.0.dist-info'), { recursive: true });
      writeFileSync(join(stub, 'site', 'bentoml-1.5.0.dist-info', 'METADATA'), 'Metadata-Version: 2.1\nName: bentoml\nVersion: 1.5.0\n');
      const python = join(stub, 'python');
      writeFileSync(python, `#!/bin/sh\nPYTHONPATH="${join(stub, 'site')}" exec "${environment.python}" "$@"\n`);
      chmodSync(python, 0o755);
      const output = failsCleanly(['run', `${project}:bento-build`, `--python=${python}`], bentoDir);
      expect(output).toContain(`BentoML 1.5.0 (installed for ${python}) is not a version nx-bentoml supports (>=1.4.20 <1.5.0)`);
      expect(output).toContain(`Install a supported one ("${python} -m pip install 'bentoml>=1.4.20,<1.5.0'")`);
    });

    it('a registry password the registry refuses: 401, and how to log in again', () => {
      const pushDir = `dist/apps/${project}/push`;
      const output = failsCleanly(['run', `${project}:docker-push`, '--force'], pushDir, (args) =>
        runNxUnchecked(workspace.root, args, { ...taskEnv, NX_BENTOML_REGISTRY_PASSWORD: 'not-the-password' }),
      );
      expect(output).toMatch(/refused the credentials.*\(401 unauthorized\)/);
      expect(output).not.toContain('not-the-password');
    });

    it('a Docker socket the user may not open: permission denied, and how to get access', async () => {
      nx(['run', `${project}:bento-build`]);
      // The tests run as root, who opens any file: the task runs without the capabilities that
      // override file permissions, against a socket nobody may open.
      const socket = join(dirname(workspace.root), 'no-access-docker.sock');
      const server: Server = createServer((connection) => connection.destroy());
      await new Promise<void>((resolve) => server.listen(socket, resolve));
      chmodSync(socket, 0);
      try {
        const dropFileCapabilities = ['--inh-caps=-dac_override,-dac_read_search', '--bounding-set=-dac_override,-dac_read_search', '--'];
        const output = failsCleanly(['run', `${project}:containerize`], imageDir, (args) =>
          run('setpriv', [...dropFileCapabilities, 'npx', 'nx', ...args], workspace.root, undefined, {
            ...taskEnv,
            DOCKER_HOST: `unix://${socket}`,
          }),
        );
        expect(output).toContain(
          `Permission denied on the Docker socket DOCKER_HOST=unix://${socket}. Add your user to the "docker" group`,
        );
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  it("leaves the registry secret in no task output, no dist file and none of Nx's cache and workspace data", () => {
    const { username, password } = environment;
    // The password itself, and the base64 forms Docker puts in config files and auth headers.
    const secrets = [password, Buffer.from(`${username}:${password}`).toString('base64'), Buffer.from(password).toString('base64')];
    expect(printedByTasks.length).toBeGreaterThanOrEqual(10);
    for (const output of printedByTasks) for (const secret of secrets) expect(output.includes(secret)).toBe(false);
    const searched = [file('dist'), ...nxDataDirectories(workspace.root)];
    expect(searched).toEqual(
      expect.arrayContaining([file('dist'), file('.nx'), expect.stringMatching(/cache$/), expect.stringMatching(/workspace-data$/)]),
    );
    expect(filesContaining(searched, secrets)).toEqual([]);
  });
});

/**
 * Changes the first byte of a file inside a tar archive, in place: the entry's header, and so its
 * size and checksum, stay as they were, as a tampered or bit-flipped cache entry would.
 */
function alterOneByte(archive: string, name: string) {
  const bytes = readFileSync(archive);
  const field = (header: Buffer, start: number, end: number) => header.toString('utf8', start, end).replace(/\0[\s\S]*$/, '');
  // A pax header (type "x") before an entry gives its name as a "path" record (BentoML's and tar-stream's archives have one each).
  let paxPath: string | undefined;
  for (let offset = 0; offset + 512 <= bytes.length;) {
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = parseInt(field(header, 124, 136).trim() || '0', 8);
    const type = field(header, 156, 157);
    const body = offset + 512;
    if (type === 'x') {
      paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(bytes.toString('utf8', body, body + size))?.[1];
    } else {
      const entryName = (paxPath ?? field(header, 0, 100)).replace(/^\.\//, '');
      paxPath = undefined;
      if (entryName === name && size > 0) {
        bytes[body] ^= 0x01;
        writeFileSync(archive, bytes);
        return;
      }
    }
    offset = body + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${name} is not in ${archive}`);
}
