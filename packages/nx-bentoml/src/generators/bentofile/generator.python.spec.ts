import { type Tree, logger } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';
import { captureLogger } from '../../testing/logger';
import { useTempDir } from '../../testing/temp-dir';
import { bentofileGenerator, defaultDeps } from './generator';

/**
 * The generator against a real interpreter: the one the e2e environment sets up, with BentoML,
 * numpy and pillow (scripts/setup-environment.sh), plus a stub "dvc" distribution in a site
 * directory of its own, so the training-only rule meets real package metadata.
 */
const python = process.env['NX_BENTOML_PYTHON'];

describe('bentofile generator with a real interpreter', () => {
  const site = useTempDir('nx-bentoml-site-');
  let tree: Tree;
  let pythonPath: string | undefined;
  captureLogger();
  beforeEach(() => {
    if (!python) {
      throw new Error(
        'NX_BENTOML_PYTHON is not set: run "bash scripts/setup-environment.sh" and "source .e2e-env/env.sh" (it names a Python with BentoML, numpy and pillow).',
      );
    }
    site.write('dvc/__init__.py', '');
    site.write('dvc/api.py', 'def params_show():\n    return {}\n');
    site.write('dvc-3.59.1.dist-info/METADATA', 'Metadata-Version: 2.1\nName: dvc\nVersion: 3.59.1\n');
    site.write('dvc-3.59.1.dist-info/top_level.txt', 'dvc\n');
    site.write('dvc-3.59.1.dist-info/RECORD', 'dvc/__init__.py,,\ndvc/api.py,,\ndvc-3.59.1.dist-info/METADATA,,\n');
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
    const pillow = execFileSync(python!, ['-c', 'from importlib.metadata import version; print(version("pillow"))'], {
      encoding: 'utf-8',
    }).trim();
    const version = execFileSync(python!, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf-8' }).trim();
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
