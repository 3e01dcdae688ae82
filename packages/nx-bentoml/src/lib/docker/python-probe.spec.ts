import { execFileSync } from 'node:child_process';
import { testPython } from '../../testing/python';
import { parsePythonProbe, pythonProbeScript } from './python-probe';

describe("the probe of an image's Python", () => {
  it("reads python3's version and the python3.X executables on PATH, once each", () => {
    // What the probe printed in the e2e base image (Debian bookworm: /usr/bin and /bin are one directory).
    expect(parsePythonProbe('3.11.2\n3.11\n3.11\n')).toEqual({ version: '3.11.2', onPath: ['3.11'] });
  });

  it('answers undefined for anything else', () => {
    expect(parsePythonProbe('')).toBeUndefined();
    expect(parsePythonProbe('Python 3.11.2\n')).toBeUndefined();
  });

  it('is python_probe.py, which a plain python3 runs from its text and whose output it reads', () => {
    const output = execFileSync(testPython, ['-c', pythonProbeScript()], { encoding: 'utf8' });
    expect(parsePythonProbe(output)?.version).toMatch(/^3\.\d+\.\d+$/);
  });
});
