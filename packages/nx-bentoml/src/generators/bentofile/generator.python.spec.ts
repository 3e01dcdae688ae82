import { type Tree, logger } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';
import { captureLogger } from '../../testing/logger';
import { testPython, writeStubDistribution } from '../../testing/python';
import { useTempDir } from '../../testing/temp-dir';
import { bentofileGenerator, defaultDeps } from './generator';

/**
 * The generator against a real interpreter (NX_BENTOML_PYTHON, else python3) whose package
 * metadata is real too: stub distributions of BentoML, numpy, pillow and dvc in a site directory
 * of their own (on PYTHONPATH), so the import mapping (PIL -> pillow) and the training-only rule
 * meet importlib.metadata as it reads an installed environment.
 */
const python = testPython;

describe('bentofile generator with a real interpreter', () => {
  const site = useTempDir('nx-bentoml-site-');
  let tree: Tree;
  let pythonPath: string | undefined;
  captureLogger();
  beforeEach(() => {
    writeStubDistribution(site.dir, { name: 'bentoml', version: '1.4.39', modules: { 'bentoml/__init__.py': '' } });
    writeStubDistribution(site.dir, { name: 'numpy', version: '2.4.6', modules: { 'numpy/__init__.py': '' } });
    writeStubDistribution(site.dir, { name: 'pillow', version: '12.1.0', modules: { 'PIL/__init__.py': '', 'PIL/Image.py': '' } });
    writeStubDistribution(site.dir, {
      name: 'dvc',
      version: '3.59.1',
      modules: { 'dvc/__init__.py': '', 'dvc/api.py': 'def params_show():\n    return {}\n' },
    });
    pythonPath = process.env['PYTHONPATH'];
    process.env['PYTHONPATH'] = site.dir;
    tree = createTreeWithEmptyWorkspace();
  });
  afterEach(() => {
    if (pythonPath === undefined) delete process.env['PYTHONPATH'];
    else process.env['PYTHONPATH'] = pythonPath;
  });

  it('lists numpy and pillow (pinned as declared, else as installed), not dvc nor bentoml, and the Python version', async () => {
    tree.write(
      'services/vision/serve.py',
      [
        'import io',
        'import bentoml',
        'import numpy as np',
        'from PIL import Image',
        'import dvc.api',
        'from helpers import to_array',
        '',
        'PARAMS = dvc.api.params_show()',
        '',
        '@bentoml.service',
        'class VisionService:',
        '    @bentoml.api',
        '    def mean(self, image: Image.Image) -> float:',
        '        return float(np.mean(to_array(image)))',
        '',
      ].join('\n'),
    );
    tree.write('services/vision/helpers.py', 'import numpy\n\ndef to_array(image):\n    return numpy.asarray(image)\n');
    tree.write('services/vision/requirements.txt', 'numpy==2.4.6\ndvc==3.59.1\n');

    await bentofileGenerator(tree, { skipFormat: true, directory: 'services/vision', python }, defaultDeps);

    const bentofile = parse(tree.read('services/vision/bentofile.yaml', 'utf-8')!);
    const pillow = execFileSync(python, ['-c', 'from importlib.metadata import version; print(version("pillow"))'], {
      encoding: 'utf-8',
      env: process.env,
    }).trim();
    const version = execFileSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf-8',
      env: process.env,
    }).trim();
    expect(bentofile).toEqual({
      service: 'serve:VisionService',
      include: ['helpers.py', 'serve.py'],
      python: { packages: ['numpy==2.4.6', `pillow==${pillow}`] },
      docker: { python_version: version },
    });
    expect(logger.info).toHaveBeenCalledWith('nx-bentoml: left out training-only packages: dvc.');
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
