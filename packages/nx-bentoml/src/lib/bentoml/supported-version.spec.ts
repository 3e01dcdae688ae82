import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testPython, writeStubDistribution } from '../../testing/python';
import { useTempDir } from '../../testing/temp-dir';
import { pythonProgram } from './python-programs';
import { inRange, supportedBentoml } from './supported-version';

describe('the supported BentoML versions', () => {
  it("are package.json's", () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));
    expect(supportedBentoml).toBe(manifest['nx-bentoml'].bentoml);
  });

  it('hold a version when every comparator does, read by release numbers', () => {
    const range = '>=1.4.20 <1.5.0';
    expect(['1.4.20', '1.4.39', '1.4.40.dev1', '1.4.39.post1', '1.4.99'].filter((version) => inRange(version, range))).toHaveLength(5);
    expect(['1.4.19', '1.5.0', '1.5.0rc1', '2.0', '1.3.22', 'unknown', ''].filter((version) => inRange(version, range))).toEqual([]);
    expect(inRange('1.4.39', '==1.4.39')).toBe(true);
    expect(inRange('1.4.39', '>1.4.39')).toBe(false);
    expect(inRange('1.4.39', '<=1.4.39')).toBe(true);
  });
});

describe('python/bentoml_version.py on a plain python3', () => {
  const site = useTempDir('nx-bentoml-site-');

  it("prints the installed distribution's version without importing it, in the words every Bento key holds", () => {
    // A bentoml module that fails on import: the program must read metadata only.
    writeStubDistribution(site.dir, {
      name: 'bentoml',
      version: '1.4.39',
      modules: { 'bentoml/__init__.py': 'raise ImportError("imported")\n' },
    });
    const env = { ...process.env, PYTHONPATH: site.dir };
    expect(execFileSync(testPython, [pythonProgram('bentoml_version.py')], { env, encoding: 'utf8' })).toBe('bentoml 1.4.39\n');
  });

  it('exits non-zero without BentoML', () => {
    const env = { ...process.env, PYTHONPATH: site.dir, PYTHONNOUSERSITE: '1' };
    const result = spawnSync(testPython, ['-S', pythonProgram('bentoml_version.py')], { env, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('BentoML is not installed for this interpreter.');
  });
});
