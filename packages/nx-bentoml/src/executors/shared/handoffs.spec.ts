import { fakeExecutorContext } from '../../testing/executor-context';
import { useTempDir } from '../../testing/temp-dir';
import { handedOffImageName, publishedDigest, readImageHandoff, readPushHandoff } from './handoffs';

describe('hand-off reads', () => {
  const temp = useTempDir('handoffs-');
  /** A project that renames containerize to "image" and docker-push to "push". */
  const context = () => {
    const base = fakeExecutorContext(temp.dir, 'apps/classifier', 'promote');
    base.projectsConfigurations.projects['classifier'].targets = {
      image: { executor: 'nx-bentoml:containerize' },
      push: { executor: 'nx-bentoml:docker-push' },
      release: { executor: 'nx-bentoml:publish' },
    };
    return base;
  };
  const write = (dir: string, file: string, content: object) => temp.write(`${dir}/${file}`, JSON.stringify(content));
  const image = { imageId: 'sha256:1', imageName: 'classifier', tags: ['nx1'], bentoTag: 'classifier:nx1', built: true };
  const entry = {
    registry: '127.0.0.1:5000',
    reference: '127.0.0.1:5000/classifier:nx1',
    tag: 'nx1',
    digest: 'sha256:aa',
    status: 'pushed',
  };

  it("reads image.json under the option's directory, with containerize's name in this project", () => {
    write('dist/image', 'image.json', image);
    expect(readImageHandoff('{workspaceRoot}/dist/image', context())).toEqual({ image, containerizeTarget: 'image' });
    expect(handedOffImageName('dist/image', context())).toBe('classifier');
  });

  it('says which target to run when the hand-off is missing', () => {
    expect(() => readImageHandoff('dist/image', context())).toThrow('No image.json in dist/image. Run the image target first.');
    expect(() => handedOffImageName('dist/image', context())).toThrow(
      "No image name to look up: pass --imageName=<name>, or run the image target once so that it records the image's name.",
    );
    expect(() => readPushHandoff('dist/push', context())).toThrow('No push.json in dist/push. Run the push target first.');
  });

  it('finds the digest the last push published to a registry, or says how to publish one', () => {
    write('dist/push', 'push.json', { imageName: 'classifier', imageId: 'sha256:1', imageSizeBytes: 1, pushed: [entry] });
    expect(publishedDigest('dist/push', context(), '127.0.0.1:5000')).toBe('sha256:aa');
    expect(() => publishedDigest('dist/push', context(), 'ghcr.io/org')).toThrow(
      'No published version of this project in ghcr.io/org to promote: run the release target (with --registry=ghcr.io/org) first, or give --from=<tag or digest>.',
    );
  });
});
