import { type Tree, readNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { initGenerator } from './generator';

describe('init generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('registers the plugin in nx.json with its target names', async () => {
    await initGenerator(tree, { skipFormat: true });
    expect(readNxJson(tree)?.plugins).toContainEqual({
      plugin: 'nx-bentoml',
      options: {
        bentoBuildTargetName: 'bento-build',
        containerizeTargetName: 'containerize',
        dockerPushTargetName: 'docker-push',
        publishTargetName: 'publish',
        serveTargetName: 'serve',
        smokeTestTargetName: 'smoke-test',
        versionsTargetName: 'versions',
        verifyTargetName: 'verify',
        promoteTargetName: 'promote',
        planTargetName: 'plan',
      },
    });
  });

  it('adds the plugin to nx.json once', async () => {
    await initGenerator(tree, { skipFormat: true });
    await initGenerator(tree, { skipFormat: true, bentoBuildTargetName: 'bento' });
    const entries = readNxJson(tree)?.plugins?.filter((p) => (typeof p === 'string' ? p : p.plugin) === 'nx-bentoml');
    expect(entries).toHaveLength(1);
  });

  it('uses the target names it is given', async () => {
    await initGenerator(tree, { skipFormat: true, dockerPushTargetName: 'push' });
    const entry = readNxJson(tree)?.plugins?.find((p) => typeof p === 'object' && p.plugin === 'nx-bentoml');
    expect(typeof entry === 'object' && entry.options).toMatchObject({ dockerPushTargetName: 'push' });
  });

  it('rejects an invalid target name', async () => {
    await expect(initGenerator(tree, { skipFormat: true, publishTargetName: 'pub lish' })).rejects.toThrow(
      /"publishTargetName" must be a target name/,
    );
  });

  it('ignores its outputs in .gitignore without duplicating existing entries', async () => {
    tree.write('.gitignore', 'node_modules\ndist/\n');
    await initGenerator(tree, { skipFormat: true });
    await initGenerator(tree, { skipFormat: true });
    const gitignore = tree.read('.gitignore', 'utf-8')!;
    expect(gitignore.match(/dist/g)).toHaveLength(1);
    expect(gitignore.match(/__pycache__\//g)).toHaveLength(1);
    expect(gitignore).toContain('.venv/');
  });
});
