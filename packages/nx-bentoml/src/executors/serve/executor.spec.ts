import { join } from 'node:path';
import type { BentomlClient } from '../../lib/bentoml/client';
import { fakeBentoml } from '../../testing/fake-bentoml';
import { fakeExecutorContext } from '../../testing/executor-context';
import { captureLogger } from '../../testing/logger';
import { useTempDir } from '../../testing/temp-dir';
import serveExecutor from './executor';

describe('serve executor', () => {
  captureLogger();
  const workspace = useTempDir('serve-');
  const options = { bentofile: 'apps/classifier/src/bentofile.yaml', port: 3999 };
  const serveWith = async (include: string[]) => {
    workspace.write('apps/classifier/src/bentofile.yaml', `service: "serve:ClassifierService"\ninclude: ${JSON.stringify(include)}\n`);
    workspace.write('apps/classifier/src/serve.py', 'import bentoml\n\n@bentoml.service\nclass ClassifierService:\n    pass\n');
    workspace.write('libs/features/features/__init__.py', '');
    let served: Parameters<BentomlClient['serve']>[0] | undefined;
    const { client } = fakeBentoml({ serve: async (serveOptions) => ((served = serveOptions), 0) });
    const result = await serveExecutor(options, fakeExecutorContext(workspace.dir, 'apps/classifier', 'serve'), () => client);
    return { result, served };
  };

  it('serves the bentofile directory on 127.0.0.1', async () => {
    const { result, served } = await serveWith(['serve.py']);
    expect(result).toEqual({ success: true });
    expect(served).toEqual({ contextDir: join(workspace.dir, 'apps/classifier/src'), host: '127.0.0.1', port: 3999, pythonPath: [] });
  });

  it('makes a shared library importable by its directory name, as in the built Bento', async () => {
    const { served } = await serveWith(['serve.py', '../../../libs/features/features/**']);
    expect(served?.pythonPath).toEqual([join(workspace.dir, 'libs/features')]);
  });
});
