import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { testPython } from '../../testing/python';
import { useTempDir } from '../../testing/temp-dir';

/**
 * python/linked_models.py in a plain interpreter (it imports only the standard library), with
 * shutil.copytree called the way construct_containerfile, Model.save and HuggingFaceModel.resolve call it.
 */
const python = testPython;

const driver = `
import errno, os, shutil, sys
sys.path.insert(0, sys.argv[1])
import linked_models as module
from linked_models import linked_models
root, store, bento, hf, mode = sys.argv[2:7]
if mode == "cross-device":
    def refuse(*args, **kwargs):
        raise OSError(errno.EXDEV, "Invalid cross-device link")
    os.link = refuse
context = os.path.join(root, "tmpcontext")
with linked_models(root):
    shutil.copytree(bento, context, dirs_exist_ok=True)
    shutil.copytree(store, os.path.join(context, "models", "iris"), dirs_exist_ok=True)
    shutil.copytree(hf, os.path.join(context, "hf-models", "models--org--tiny"), symlinks=True, dirs_exist_ok=True)
    with open(os.path.join(context, "env", "docker", "Dockerfile"), "w") as dockerfile:
        dockerfile.write("FROM generated\\n")
print(shutil.copytree.__module__, module.copied_bytes)
`;

describe('linked_models.py: models reach the build context as links', () => {
  const temp = useTempDir('nx-bentoml-linked-');

  function resolveContext(mode: 'link' | 'cross-device') {
    temp.write('store/iris/v1/model.yaml', 'name: iris');
    temp.write('store/iris/v1/weights.bin', 'weights');
    temp.write('store/iris/latest', 'v1');
    temp.write('bento/service.py', 'code');
    temp.write('bento/env/docker/Dockerfile', 'FROM bento\n');
    temp.write('hf/blobs/abc', 'tensor');
    mkdirSync(join(temp.dir, 'hf/snapshots/main'), { recursive: true });
    symlinkSync('../../blobs/abc', join(temp.dir, 'hf/snapshots/main/tensor'));
    temp.write('root/.keep', '');
    const args = [join(temp.dir, 'root'), join(temp.dir, 'store/iris'), join(temp.dir, 'bento'), join(temp.dir, 'hf'), mode];
    const after = execFileSync(python, ['-c', driver, join(__dirname, 'python'), ...args], { encoding: 'utf8' }).trim();
    const context = join(temp.dir, 'root/tmpcontext');
    const inode = (path: string) => statSync(path).ino;
    return { context, after, inode };
  }

  it("links the models' files, copies the Bento's, and leaves copytree as it was", () => {
    const { context, after, inode } = resolveContext('link');
    expect(inode(join(context, 'models/iris/v1/weights.bin'))).toBe(inode(join(temp.dir, 'store/iris/v1/weights.bin')));
    expect(inode(join(context, 'models/iris/latest'))).toBe(inode(join(temp.dir, 'store/iris/latest')));
    expect(inode(join(context, 'hf-models/models--org--tiny/blobs/abc'))).toBe(inode(join(temp.dir, 'hf/blobs/abc')));
    expect(lstatSync(join(context, 'hf-models/models--org--tiny/snapshots/main/tensor')).isSymbolicLink()).toBe(true);
    expect(inode(join(context, 'service.py'))).not.toBe(inode(join(temp.dir, 'bento/service.py')));
    // BentoML rewrites the Dockerfile in place: the Bento's own stays as it was.
    expect(readFileSync(join(temp.dir, 'bento/env/docker/Dockerfile'), 'utf8')).toBe('FROM bento\n');
    expect(readFileSync(join(context, 'env/docker/Dockerfile'), 'utf8')).toBe('FROM generated\n');
    expect(after).toBe('shutil 0');
  });

  it('copies where the file system cannot link (another device), and counts the bytes copied', () => {
    const { context, inode, after } = resolveContext('cross-device');
    const weights = join(context, 'models/iris/v1/weights.bin');
    expect(inode(weights)).not.toBe(inode(join(temp.dir, 'store/iris/v1/weights.bin')));
    expect(readFileSync(weights, 'utf8')).toBe('weights');
    // Counted, for containerize to say so: model.yaml, weights.bin, latest and the Hugging Face blob.
    expect(after).toBe(`shutil ${'name: iris'.length + 'weights'.length + 'v1'.length + 'tensor'.length}`);
  });
});
