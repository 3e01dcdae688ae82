import { pythonCalls, pythonImports, readPythonSource } from './python-source';

describe('readPythonSource', () => {
  it('sets string literals aside once, keeps their lines, and drops comments but not a "#" inside a string', () => {
    const source = readPythonSource(['x = "a#b"  # comment', '"""doc', 'string"""', `y = f"{x}" + b"raw" + r"path" + ''`, ''].join('\n'));
    expect(source.code).toBe(['x = "0"  ', '"1"', '', 'y = f"2" + b"3" + r"4" + "5"', ''].join('\n'));
    expect(source.strings).toEqual(['a#b', 'doc\nstring', undefined, undefined, 'path', '']);
  });

  it('reads the same text once when asked twice in a row', () => {
    const text = 'import os\n';
    expect(readPythonSource(text)).toBe(readPythonSource(text));
  });
});

describe('pythonImports', () => {
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
    expect(pythonImports(source)).toEqual([
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

describe('pythonCalls', () => {
  it('gives each call its literal arguments, positional and named, and undefined for any other expression', () => {
    const source = [
      `m = Model("a", revision='v1', other=f"{x}", n=name, nested=dict(a=1), flag=x == 1)`,
      'Model(',
      '    "b",  # a comment',
      ')',
    ].join('\n');
    expect(pythonCalls(source, /\bModel\b/)).toEqual([
      { callee: [], positional: ['a'], named: { revision: 'v1', other: undefined, n: undefined, nested: undefined, flag: undefined } },
      { callee: [], positional: ['b'], named: {} },
    ]);
  });

  it('passes on what the callee pattern captured, and skips a name that is not called', () => {
    expect(pythonCalls('image.run_script("setup.sh")\nx = image.run_script\n', /\.(run_script)\b/)).toEqual([
      { callee: ['run_script'], positional: ['setup.sh'], named: {} },
    ]);
  });
});
