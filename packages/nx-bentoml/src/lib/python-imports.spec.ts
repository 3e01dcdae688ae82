import { type BuildDirReader, collectModuleImports, scanImports } from './python-imports';

function reader(files: Record<string, string>): BuildDirReader {
  return {
    read: (path) => files[path] ?? null,
    isFile: (path) => path in files,
    isDirectory: (path) => Object.keys(files).some((file) => file.startsWith(`${path}/`)),
  };
}

describe('scanImports', () => {
  it('reads every import form, wherever it is, and nothing in comments or strings', () => {
    const source = [
      '"""Docstring: import fake_in_docstring"""',
      'import os, numpy as np',
      'import sklearn.linear_model',
      'from PIL import Image  # import fake_in_comment',
      'from typing import (',
      '    Any,',
      '    Optional as Opt,',
      ')',
      'from . import labels',
      'from ..shared.text import clean',
      'x = "import fake_in_string"; import json',
      'def load():',
      '    import torch',
      'from a \\',
      '    import b',
    ].join('\n');
    expect(scanImports(source)).toEqual([
      { level: 0, module: 'os', names: [] },
      { level: 0, module: 'numpy', names: [] },
      { level: 0, module: 'sklearn.linear_model', names: [] },
      { level: 0, module: 'PIL', names: ['Image'] },
      { level: 0, module: 'typing', names: ['Any', 'Optional'] },
      { level: 1, module: '', names: ['labels'] },
      { level: 2, module: 'shared.text', names: ['clean'] },
      { level: 0, module: 'json', names: [] },
      { level: 0, module: 'torch', names: [] },
      { level: 0, module: 'a', names: ['b'] },
    ]);
  });
});

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
