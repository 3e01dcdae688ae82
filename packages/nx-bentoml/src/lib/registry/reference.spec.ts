import { assertRegistry, isWholeReference, parseReference, pushRegistries, registryHostOf, repositoryApi } from './reference';

describe('registry references', () => {
  it('checks registries', () => {
    expect(() => assertRegistry('127.0.0.1:5000')).not.toThrow();
    expect(() => assertRegistry('europe-west6-docker.pkg.dev/my-project/my-repo')).not.toThrow();
    expect(() => assertRegistry('https://ghcr.io')).toThrow(/no scheme/);
  });

  it('takes the host of a registry with a repository path', () => {
    expect(registryHostOf('europe-west6-docker.pkg.dev/my-project/models')).toBe('europe-west6-docker.pkg.dev');
    expect(registryHostOf('https://127.0.0.1:5000/v1/')).toBe('127.0.0.1:5000');
  });

  it('uses plain HTTP for a loopback registry and TLS for any other', () => {
    expect(parseReference('127.0.0.1:5000/team/app:v1')).toEqual({ base: 'http://127.0.0.1:5000', repository: 'team/app', tag: 'v1' });
    expect(parseReference('localhost:5000/app:latest')).toEqual({ base: 'http://localhost:5000', repository: 'app', tag: 'latest' });
    expect(parseReference('europe-west6-docker.pkg.dev/p/models/app:nx1')).toEqual({
      base: 'https://europe-west6-docker.pkg.dev',
      repository: 'p/models/app',
      tag: 'nx1',
    });
  });

  it("speaks Docker Hub's API host for its short names", () => {
    expect(repositoryApi('docker.io/team/app')).toEqual({
      reference: 'docker.io/team/app',
      base: 'https://registry-1.docker.io',
      url: 'https://registry-1.docker.io/v2/team/app',
      name: 'team/app',
    });
  });

  it('joins the registry options without duplicates or trailing slashes, and asks for one when there is none', () => {
    expect(pushRegistries({ registries: ['a.io/x/', 'b.io'], registry: 'a.io/x' }, 'classifier', 'docker-push')).toEqual([
      'a.io/x',
      'b.io',
    ]);
    expect(() => pushRegistries({}, 'classifier', 'push')).toThrow(
      'No registry to push classifier to. Pass --registry=<host[/path]>, or set "registry" (or "registries") in the options of the push target in project.json.',
    );
  });

  it('takes a tag or a whole digest, not a digest prefix', () => {
    expect(isWholeReference('nx1')).toBe(true);
    expect(isWholeReference(`sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isWholeReference('sha256:abcdef012345')).toBe(false);
  });
});
