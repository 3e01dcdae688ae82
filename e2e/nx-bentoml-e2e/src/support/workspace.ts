import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nxDataDirectories } from './leftovers';
import { packedTarball } from './pack-plugin';
import { run, runOrThrow } from './run';
import { removeTempDir } from './temp-dir';

/** create-nx-workspace version; E2E_NX_VERSION=24.0.6 (say) tries another Nx. */
export const createNxWorkspaceVersion = process.env['E2E_NX_VERSION'] || 'latest';

/**
 * The highest Nx of the plugin's peer range (>=23.2 <25). create-nx-workspace@latest gives the
 * lowest here (23.2.1: create-nx-workspace 24 is not served), so the suites that prove the
 * foundations and the real chain upgrade their workspace to this one.
 */
export const highestNx = '24.0.6';

export interface WorkspaceOptions {
  /** The nx version to upgrade the created workspace to (with npm install), e.g. highestNx. */
  nxVersion?: string;
}

export interface TestWorkspace {
  /** The workspace root. */
  root: string;
  /** The version of the nx package the workspace runs, as its `npx nx --version` reports it. */
  nxVersion: string;
  /** Removes the temp dir holding the workspace (kept when E2E_KEEP=1). */
  cleanup(): void;
}

/**
 * Creates a fresh Nx workspace the way users do, in a new temp dir, and installs the packed
 * plugin into it as a dev dependency.
 */
export function createWorkspace(name: string, options: WorkspaceOptions = {}): TestWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'nx-bentoml-e2e-'));
  const root = join(dir, name);
  runOrThrow(
    'npx',
    [
      '-y',
      `create-nx-workspace@${createNxWorkspaceVersion}`,
      name,
      '--preset=apps',
      '--nxCloud=skip',
      '--interactive=false',
      '--packageManager=npm',
      '--aiAgents=none',
      '--analytics=false',
    ],
    dir,
  );
  if (options.nxVersion) {
    // One npm install: nx, the preset's @nx/* packages and the plugin resolve together.
    runOrThrow('npm', ['install', '-D', ...upgradeNx(root, options.nxVersion), packedTarball()], root);
  } else {
    runOrThrow('npm', ['install', '-D', packedTarball()], root);
  }
  const nxVersion = reportedNxVersion(root);
  if (options.nxVersion && nxVersion !== options.nxVersion) {
    throw new Error(`The workspace ${root} was to run Nx ${options.nxVersion}, but "npx nx --version" reports ${nxVersion}.`);
  }
  const devkit = pluginDevkitVersion(root);
  if (devkit.split('.')[0] !== nxVersion.split('.')[0]) {
    throw new Error(
      `The workspace ${root} runs Nx ${nxVersion} but the plugin loads @nx/devkit ${devkit}: the e2e run would not test Nx ${nxVersion}.`,
    );
  }
  return {
    root,
    nxVersion,
    cleanup: () => {
      removeSharedNxData(root, dir);
      removeTempDir(dir);
    },
  };
}

/**
 * The packages to install so the workspace runs nx `version`: nx, and each @nx/* package the
 * preset installed at that version. The registry here publishes nx 24 and @nx/devkit 24, but not
 * @nx/js or @nx/workspace 24 (their latest is 23.3.x), so a package with no such version is
 * removed instead, as long as nx.json does not register it as a plugin (the apps preset does not):
 * left at 23.x it would keep a second, older nx in node_modules.
 */
function upgradeNx(root: string, version: string): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  const presetPackages = Object.keys({ ...manifest['dependencies'], ...manifest['devDependencies'] }).filter((pkg) =>
    pkg.startsWith('@nx/'),
  );
  const plugins = JSON.stringify(JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8')).plugins ?? []);
  const upgraded: string[] = [];
  const removed: string[] = [];
  for (const pkg of presetPackages) {
    const view = run('npm', ['view', `${pkg}@${version}`, 'version'], root);
    if (view.status !== 0 && !/E404/.test(view.stderr)) throw new Error(`npm view ${pkg}@${version} failed:\n${view.stderr}`);
    const published = view.status === 0 && view.stdout.trim() !== '';
    if (published) upgraded.push(`${pkg}@${version}`);
    else if (plugins.includes(`"${pkg}`)) {
      throw new Error(
        `${pkg} has no version ${version} on the registry, and ${root}/nx.json registers it as a plugin: cannot move the workspace to Nx ${version}.`,
      );
    } else removed.push(pkg);
  }
  if (removed.length > 0) {
    console.log(
      `Nx ${version} workspace ${root}: ${removed.join(', ')} ${removed.length > 1 ? 'have' : 'has'} no version ${version} on the registry and ${removed.length > 1 ? 'are' : 'is'} removed (not used by the apps preset).`,
    );
    runOrThrow('npm', ['uninstall', ...removed], root);
  }
  return [`nx@${version}`, ...upgraded];
}

/** The nx version `npx nx --version` reports for the workspace ("Local: v24.0.6"). */
function reportedNxVersion(root: string): string {
  const output = runOrThrow('npx', ['nx', '--version'], root).stdout;
  const local = /Local:\s*v?(\S+)/.exec(output);
  if (!local) throw new Error(`"npx nx --version" in ${root} reports no local Nx:\n${output}`);
  return local[1];
}

/** The @nx/devkit the installed plugin loads: its own nested copy, else the workspace's. */
function pluginDevkitVersion(root: string): string {
  const candidates = [join(root, 'node_modules/nx-bentoml/node_modules/@nx/devkit'), join(root, 'node_modules/@nx/devkit')];
  const dir = candidates.find((candidate) => existsSync(join(candidate, 'package.json')));
  if (!dir) throw new Error(`${root} has no @nx/devkit for the plugin.`);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Nx 23.2 keeps a workspace's cache and task database in ~/.nx/<workspace id>, outside the temp dir. */
function removeSharedNxData(root: string, tempDir: string) {
  if (process.env['E2E_KEEP'] === '1') return;
  try {
    for (const data of nxDataDirectories(root).filter((path) => !path.startsWith(tempDir))) rmSync(data, { recursive: true, force: true });
  } catch {
    // Cleanup only: a workspace that never got its node_modules has no Nx to ask.
  }
}
