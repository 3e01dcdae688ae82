import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOutputDirectory } from './outputs';

describe('writeOutputDirectory', () => {
  let root: string;
  const outputDir = () => join(root, 'dist/apps/classifier/push');
  const siblings = () => readdirSync(join(root, 'dist/apps/classifier')).sort();
  const writeOutput = (content: string) => writeOutputDirectory(outputDir(), async (dir) => writeFileSync(join(dir, 'push.json'), content));
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'outputs-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('replaces the previous output when the work succeeds', async () => {
    await writeOutput('first');
    writeFileSync(join(outputDir(), 'left-over.txt'), 'from an older run');
    await writeOutput('second');
    expect(readdirSync(outputDir())).toEqual(['push.json']);
    expect(readFileSync(join(outputDir(), 'push.json'), 'utf8')).toBe('second');
    expect(siblings()).toEqual(['push']);
  });

  it('lets two writers of one output run at once (two promotes): the last to finish wins and neither fails', async () => {
    const slow = writeOutputDirectory(outputDir(), async (dir) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      writeFileSync(join(dir, 'push.json'), 'slow');
    });
    await Promise.all([slow, writeOutput('fast')]);
    expect(readFileSync(join(outputDir(), 'push.json'), 'utf8')).toBe('slow');
    expect(siblings()).toEqual(['push']);
  });

  it('keeps the previous output and leaves no temporary directory when the work fails', async () => {
    await writeOutput('first');
    const failing = writeOutputDirectory(outputDir(), async (dir) => {
      writeFileSync(join(dir, 'push.json'), 'half-written');
      throw new Error('push failed');
    });
    await expect(failing).rejects.toThrow('push failed');
    expect(readFileSync(join(outputDir(), 'push.json'), 'utf8')).toBe('first');
    expect(siblings()).toEqual(['push']);
  });

  it('says that the disk is full, where, and what to do, and leaves no temporary directory', async () => {
    const full = (error: Error) =>
      writeOutputDirectory(outputDir(), async (dir) => {
        writeFileSync(join(dir, 'bento.bento'), 'half');
        throw error;
      });
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    await expect(full(enospc)).rejects.toThrow(`No space left on the device holding ${outputDir()}. Free some space and run again.`);
    await expect(full(new Error('bentoml export failed (exit 1):\nError: [Errno 28] No space left on device'))).rejects.toThrow(
      'No space left on the device holding',
    );
    await expect(full(new Error('push failed'))).rejects.toThrow('push failed');
    expect(siblings()).toEqual([]);
  });

  it('removes the temporary directories a killed task left behind, but not those of a running one', async () => {
    const gone = join(root, 'dist/apps/classifier/push.partial-99999999');
    const running = join(root, `dist/apps/classifier/push.partial-${process.ppid}`);
    const otherOutput = join(root, 'dist/apps/classifier/image.partial-99999999');
    for (const dir of [gone, running, otherOutput]) mkdirSync(dir, { recursive: true });
    await writeOutput('fresh');
    expect(existsSync(gone)).toBe(false);
    expect(existsSync(running)).toBe(true);
    expect(existsSync(otherOutput)).toBe(true);
  });
});
