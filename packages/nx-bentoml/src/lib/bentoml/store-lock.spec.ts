import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTempDir } from '../../testing/temp-dir';
import { removeIncompleteItems, withStoreLock } from './store-lock';

describe('withStoreLock', () => {
  const home = useTempDir('store-lock-');
  const lockFile = () => join(home.dir, '.nx-bentoml.lock');
  const writeStore = () => {
    home.write('bentos/classifier/v1/bento.yaml', 'name: classifier');
    home.write('bentos/classifier/latest', 'v1');
    home.write('bentos/classifier/v2/src/serve.py', 'half-copied');
    home.write('models/classifier_model/m1/model.yaml', 'name: classifier_model');
    home.write('models/classifier_model/m2/saved_model.pkl', 'half-extracted');
  };
  const items = () => ['bentos/classifier', 'models/classifier_model'].map((dir) => readdirSync(join(home.dir, dir)).sort());

  it('lets one command at a time use the store, and releases the lock after each', async () => {
    const events: string[] = [];
    const command = (name: string) => async () => {
      events.push(`${name} starts`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      events.push(`${name} ends`);
      return name;
    };
    const results = await Promise.all([
      withStoreLock(home.dir, command('list'), { pollMs: 5 }),
      withStoreLock(home.dir, command('build'), { pollMs: 5 }),
    ]);
    expect(results).toEqual(['list', 'build']);
    expect(events).toEqual(['list starts', 'list ends', 'build starts', 'build ends']);
    expect(existsSync(lockFile())).toBe(false);
  });

  it('releases the lock when the command fails', async () => {
    await expect(withStoreLock(home.dir, async () => Promise.reject(new Error('bentoml build failed')))).rejects.toThrow(
      'bentoml build failed',
    );
    expect(existsSync(lockFile())).toBe(false);
  });

  it('takes over the lock of a killed holder and removes the items it left half-written', async () => {
    writeStore();
    writeFileSync(lockFile(), '99999999');
    utimesSync(lockFile(), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await withStoreLock(home.dir, async () => undefined);
    expect(items()).toEqual([['latest', 'v1'], ['m1']]);
  });

  it('waits for a live holder and then says what to do', async () => {
    writeFileSync(lockFile(), String(process.ppid));
    const action = jest.fn();
    await expect(withStoreLock(home.dir, action, { timeoutMs: 50, pollMs: 10 })).rejects.toThrow(
      `The BentoML store lock ${lockFile()} has been held by process ${process.ppid} for 0 minutes. If no nx-bentoml task is running, delete the file and run again.`,
    );
    expect(action).not.toHaveBeenCalled();
  });

  it('on Ctrl+C lets the command end, removes what it left half-written, releases the lock, then stops', async () => {
    writeStore();
    const kill = jest.spyOn(process, 'kill').mockImplementation(() => true);
    try {
      await withStoreLock(home.dir, async () => {
        process.emit('SIGINT', 'SIGINT');
        expect(existsSync(lockFile())).toBe(true);
      });
      expect(items()).toEqual([['latest', 'v1'], ['m1']]);
      expect(existsSync(lockFile())).toBe(false);
      expect(kill).toHaveBeenCalledWith(process.pid, 'SIGINT');
    } finally {
      kill.mockRestore();
    }
  });
});

describe('removeIncompleteItems', () => {
  const home = useTempDir('store-items-');

  it('keeps complete items and "latest" files, and works on a store that does not exist yet', () => {
    expect(removeIncompleteItems(join(home.dir, 'missing'))).toEqual([]);
    home.write('bentos/a/v1/bento.yaml');
    home.write('bentos/a/latest', 'v1');
    home.write('bentos/a/v2/README.md');
    expect(removeIncompleteItems(home.dir)).toEqual(['bentos/a/v2']);
    expect(readdirSync(join(home.dir, 'bentos/a')).sort()).toEqual(['latest', 'v1']);
  });
});
