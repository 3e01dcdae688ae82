import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeDocker } from '../../testing/fake-docker';
import { projectLabel, sourceLabel } from './image-labels';
import { assertOwnImageName, otherProject, ownImages, repositoryOf, sharedRepositoryError } from './project-images';

const ours = { project: 'quickstart', source: 'https://git.example/ml.git' };

describe('otherProject', () => {
  it('names another project; not ours (whatever its git remote), nor an image without the label', () => {
    expect(otherProject(ours, { [projectLabel]: 'sklearn-iris' })).toEqual({ project: 'sklearn-iris' });
    // A transferred repository, a fork or an ssh alias: the same project keeps publishing.
    expect(otherProject(ours, { [projectLabel]: 'quickstart', [sourceLabel]: 'https://git.example/other.git' })).toBeUndefined();
    expect(otherProject(ours, { [projectLabel]: 'quickstart', [sourceLabel]: ours.source })).toBeUndefined();
    expect(otherProject(ours, { [projectLabel]: 'quickstart' })).toBeUndefined();
    expect(otherProject({ project: 'quickstart' }, { [projectLabel]: 'quickstart', [sourceLabel]: ours.source })).toBeUndefined();
    expect(otherProject(ours, { [sourceLabel]: 'https://git.example/other.git' })).toBeUndefined();
  });
});

describe('otherProject and renamed projects', () => {
  const workspace = { ...ours, workspaceProjects: new Set(['quickstart', 'sklearn-iris']) };

  it("takes a name no project of this workspace has now, from this same repository, for this project's former name", () => {
    expect(otherProject(workspace, { [projectLabel]: 'iris-v1', [sourceLabel]: 'git@git.example:ml.git' })).toBeUndefined();
  });

  it('still names a project of this workspace, one from another repository, or one whose image has no source', () => {
    expect(otherProject(workspace, { [projectLabel]: 'sklearn-iris', [sourceLabel]: ours.source })).toEqual({
      project: 'sklearn-iris',
      source: ours.source,
    });
    expect(otherProject(workspace, { [projectLabel]: 'iris-v1', [sourceLabel]: 'https://git.example/other.git' })).toEqual({
      project: 'iris-v1',
      source: 'https://git.example/other.git',
    });
    expect(otherProject(workspace, { [projectLabel]: 'iris-v1' })).toEqual({ project: 'iris-v1' });
  });
});

describe('repositoryOf', () => {
  it('reads ssh, scp-like and https remotes of one repository as one, and others as others', () => {
    const one = [
      'git@github.com:Org/models.git',
      'ssh://git@github.com/org/models',
      'https://github.com/org/models.git',
      'https://github.com/org/models/',
    ];
    expect(new Set(one.map(repositoryOf))).toEqual(new Set(['github.com/org/models']));
    expect(repositoryOf('ssh://git@git.example:2222/org/models.git')).toBe('git.example/org/models');
    expect(repositoryOf('https://github.com/org/other.git')).not.toBe(repositoryOf(one[0]));
  });

  it('takes a laptop ssh remote and a CI https remote of the same repository for the same project', () => {
    const laptop = { project: 'quickstart', source: 'git@git.example:ml.git' };
    expect(otherProject(laptop, { [projectLabel]: 'quickstart', [sourceLabel]: ours.source })).toBeUndefined();
  });
});

describe('sharedRepositoryError', () => {
  it('names both projects, the repository and the option that parts them', () => {
    expect(
      sharedRepositoryError(ours, 'iris-classifier', 'iris-classifier', { project: 'sklearn-iris', root: 'apps/sklearn-iris' }).message,
    ).toBe(
      'The image repository iris-classifier is also the image of project sklearn-iris (apps/sklearn-iris): two projects cannot publish into one repository, ' +
        `each would move the other's tags. Set "imageName" in the containerize options of quickstart's project.json (e.g. "quickstart/iris-classifier"), or of sklearn-iris's.`,
    );
    expect(
      sharedRepositoryError(ours, 'iris-classifier', '127.0.0.1:5000/iris-classifier', {
        project: 'quickstart',
        source: 'https://git.example/other.git',
      }).message,
    ).toMatch(
      /^The image repository 127.0.0.1:5000\/iris-classifier is also the image of project quickstart of https:\/\/git.example\/other.git: /,
    );
  });
});

describe('assertOwnImageName', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'project-images-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const check = (workspace: Parameters<typeof assertOwnImageName>[0]['workspace'], docker = fakeDocker()) =>
    assertOwnImageName({ ours, imageName: 'iris-classifier', tags: ['nx1', 'latest'], workspace, workspaceRoot: root }, docker.client);

  it("refuses an image name another project of the workspace sets, or recorded in its image.json, and passes another's", async () => {
    await expect(
      check([{ project: 'sklearn-iris', root: 'apps/sklearn-iris', imageName: 'iris-classifier', imageDir: join(root, 'none') }]),
    ).rejects.toThrow(/also the image of project sklearn-iris \(apps\/sklearn-iris\)/);

    const imageDir = join(root, 'dist/apps/sklearn-iris/image');
    mkdirSync(imageDir, { recursive: true });
    const handoff = { imageId: 'sha256:1', imageName: 'iris-classifier', tags: ['latest'], bentoTag: 'iris_classifier:a', built: true };
    writeFileSync(join(imageDir, 'image.json'), JSON.stringify(handoff));
    await expect(check([{ project: 'sklearn-iris', root: 'apps/sklearn-iris', imageDir }])).rejects.toThrow(/project sklearn-iris/);
    // Its option wins over an image.json written before it was set.
    await expect(
      check([{ project: 'sklearn-iris', root: 'apps/sklearn-iris', imageName: 'sklearn/iris', imageDir }]),
    ).resolves.toBeUndefined();
  });

  it("refuses the default name another project's Bento gives (its bento.json: a fresh runner, one run), before any image.json", async () => {
    const bentoDir = join(root, 'dist/apps/sklearn-iris/bento');
    mkdirSync(bentoDir, { recursive: true });
    const bento = {
      tag: 'iris_classifier:nx1',
      name: 'iris_classifier',
      version: 'nx1',
      models: [],
      bentomlVersion: '1.4.39',
      archive: 'bento.tar',
      sizeBytes: 1,
    };
    writeFileSync(join(bentoDir, 'bento.json'), JSON.stringify(bento));
    const sibling = { project: 'sklearn-iris', root: 'apps/sklearn-iris', bentoDir, imageDir: join(root, 'none') };
    await expect(check([sibling])).rejects.toThrow(/also the image of project sklearn-iris \(apps\/sklearn-iris\)/);
    writeFileSync(join(bentoDir, 'bento.json'), JSON.stringify({ ...bento, tag: 'wine:nx1', name: 'wine' }));
    await expect(check([sibling])).resolves.toBeUndefined();
  });

  it('refuses a tag the engine holds on an image labelled with another project; not one of its own or unlabelled', async () => {
    const docker = fakeDocker();
    docker.images.set('sha256:a', {
      id: 'sha256:a',
      labels: { [projectLabel]: 'sklearn-iris' },
      repoTags: ['iris-classifier:latest'],
      repoDigests: [],
      sizeBytes: 1,
      platform: 'linux/amd64',
    });
    await expect(check([], docker)).rejects.toThrow(/^The image repository iris-classifier is also the image of project sklearn-iris: /);

    docker.images.set('sha256:a', { ...docker.images.get('sha256:a')!, labels: { [projectLabel]: 'quickstart' } });
    await expect(check([], docker)).resolves.toBeUndefined();
    docker.images.set('sha256:a', { ...docker.images.get('sha256:a')!, labels: {} });
    await expect(check([], docker)).resolves.toBeUndefined();
  });
});

describe('ownImages', () => {
  it("keeps the project's images and those published before the label, and names the others", () => {
    const tagged: Array<{ tag: string; image: { labels: Record<string, string> } }> = [
      { tag: 'a', image: { labels: { [projectLabel]: 'quickstart' } } },
      { tag: 'b', image: { labels: {} } },
      { tag: 'c', image: { labels: { [projectLabel]: 'sklearn-iris' } } },
    ];
    expect(ownImages(ours, tagged)).toEqual({ own: tagged.slice(0, 2), others: ['sklearn-iris'] });
  });
});
