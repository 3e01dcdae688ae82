import { join } from 'node:path';
import { commandPath } from './helper-programs';

describe('a helper program as a runtime input names it', () => {
  it('relative to the workspace when the plugin is installed in it, the same on every machine', () => {
    const workspace = join('/work', 'my models');
    expect(commandPath(join(workspace, 'node_modules/nx-bentoml/src/lib/x.py'), workspace)).toBe('"node_modules/nx-bentoml/src/lib/x.py"');
  });

  it('absolute when the plugin lives elsewhere, in double quotes for paths with spaces', () => {
    expect(commandPath('/opt/global modules/nx-bentoml/x.py', '/work/ws')).toBe('"/opt/global modules/nx-bentoml/x.py"');
  });
});
