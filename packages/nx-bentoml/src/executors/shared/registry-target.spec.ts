import { UserError } from '../../lib/errors';
import { RegistryRefusal } from '../../lib/registry/errors';
import { fakeExecutorContext } from '../../testing/executor-context';
import { explainRefusals, registryRepository } from './registry-target';

describe('registry targets', () => {
  const context = (pushOptions?: Record<string, unknown>) => {
    const base = fakeExecutorContext('/ws', 'apps/classifier', 'versions');
    base.projectsConfigurations.projects['classifier'].targets = {
      push: { executor: 'nx-bentoml:docker-push', ...(pushOptions ? { options: pushOptions } : {}) },
      release: { executor: 'nx-bentoml:publish' },
    };
    return base;
  };

  it("takes the registry option, else the first registry of the project's docker-push target", () => {
    const options = { imageName: 'classifier', imagePath: 'dist/image' };
    expect(registryRepository({ ...options, registry: 'ghcr.io/org/' }, context())).toEqual({
      registry: 'ghcr.io/org',
      imageName: 'classifier',
      repository: 'ghcr.io/org/classifier',
    });
    expect(registryRepository(options, context({ registries: ['127.0.0.1:5001', '127.0.0.1:5000'] })).repository).toBe(
      '127.0.0.1:5001/classifier',
    );
    expect(() => registryRepository(options, context())).toThrow(
      'No registry to use: pass --registry=<host[/path]>, or set "registry" in the options of the push target in project.json.',
    );
  });

  it("explains a refusal with this project's publish command and password variable, and lets other errors through", () => {
    const explain = explainRefusals(context(), 'CI_TOKEN');
    const absent = new RegistryRefusal(404, '127.0.0.1:5000/classifier', {
      method: 'GET',
      url: 'http://127.0.0.1:5000/v2/classifier/tags/list',
    });
    expect(() => explain(absent)).toThrow(
      'Publish first (nx run classifier:release --registry=...), or check the registry and image name.',
    );
    const refused = new RegistryRefusal(401, '127.0.0.1:5000/classifier', { push: '127.0.0.1:5000/classifier:nx1' });
    expect(() => explain(refused)).toThrow(UserError);
    expect(() => explain(refused)).toThrow('and CI_TOKEN, then run again.');
    const other = new Error('socket hang up');
    expect(() => explain(other)).toThrow(other);
  });
});
