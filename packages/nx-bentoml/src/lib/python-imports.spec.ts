import { type BuildDirReader, collectModuleImports } from './python-imports';

function reader(files: Record<string, string>): BuildDirReader {
  return {
    read: (path) => files[path] ?? null,
    isFile: (path) => path in files,
    isDirectory: (path) => Object.keys(files).some((file) => file.startsWith(`${path}/`)),
  };
}

describe('collectModuleImports', () => {
  it('follows local modules transitively and reports the rest as external', () => {
    const files = {
      'serve.py': 'import bentoml\nfrom model import predict\nfrom pkg.sub import helper\nimport utils\n',
      'model.py': 'import numpy\nfrom . import labels\n',
      'labels.py': 'import json\n',
      'pkg/__init__.py': '',
      'pkg/sub/__init__.py': 'from .helper import run\n',
      'pkg/sub/helper.py': 'from ..tools import x\nimport PIL.Image\n',
      'pkg/tools.py': 'import serve\n',
      'utils/__init__.py': 'import pandas\n',
      'unused.py': 'import torch\n',
    };
    expect(collectModuleImports(reader(files), 'serve.py')).toEqual({
      localFiles: [
        'labels.py',
        'model.py',
        'pkg/__init__.py',
        'pkg/sub/__init__.py',
        'pkg/sub/helper.py',
        'pkg/tools.py',
        'serve.py',
        'utils/__init__.py',
      ],
      external: ['PIL.Image', 'bentoml', 'json', 'numpy', 'pandas'],
    });
  });

  it('treats a local module named like a distribution as local, and ignores relative imports above the root', () => {
    expect(collectModuleImports(reader({ 'serve.py': 'import yaml\nfrom .. import up\n', 'yaml.py': '' }), 'serve.py')).toEqual({
      localFiles: ['serve.py', 'yaml.py'],
      external: [],
    });
  });
});
