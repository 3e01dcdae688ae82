import { RegistryRefusal, explainPushError, explainRefusal, isTransientPushError } from './errors';

const digest = 'sha256:5004010403404500502503a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4';
const explain = (message: string) => explainPushError(message, '127.0.0.1:5000/classifier:nx1', '127.0.0.1:5000').message;

describe('push errors', () => {
  it('explains the registry answers by their status', () => {
    expect(explain('unauthorized: authentication required')).toContain('refused the credentials');
    expect(explain('received unexpected HTTP status: 401')).toContain('refused the credentials');
    expect(explain('denied: requested access to the resource is denied')).toContain('denied the push');
    expect(explain('name unknown: repository name not known to registry')).toContain('has no repository');
  });

  it('does not read status codes into the digits of a digest', () => {
    const message = `failed to upload blob ${digest}: unexpected error`;
    expect(explain(message)).toBe(`Pushing 127.0.0.1:5000/classifier:nx1 failed: ${message}`);
    expect(isTransientPushError(`layer ${digest} was rejected`)).toBe(false);
  });

  it('retries what the network or an overloaded registry caused', () => {
    for (const message of [
      'read tcp: connection reset by peer',
      'unexpected EOF',
      'received unexpected HTTP status: 503 Service Unavailable',
      'HTTP 502',
      'net/http: TLS handshake timeout',
    ]) {
      expect(isTransientPushError(message)).toBe(true);
    }
    expect(isTransientPushError('unauthorized: authentication required')).toBe(false);
  });
});

describe('the one explanation of a registry refusal', () => {
  const repository = '127.0.0.1:5000/classifier';
  const api = (status: number, method: string, path: string) =>
    new RegistryRefusal(status, repository, { method, url: `http://127.0.0.1:5000/v2/classifier/${path}` });

  it('says the same for the Engine push and the API write, naming the password variable the options give', () => {
    const hints = { passwordEnv: 'CI_REGISTRY_TOKEN' };
    const fromEngine = explainPushError('unauthorized: authentication required', `${repository}:nx1`, '127.0.0.1:5000', hints).message;
    expect(fromEngine).toBe(
      'The registry 127.0.0.1:5000 refused the credentials for 127.0.0.1:5000/classifier:nx1 (401 unauthorized). ' +
        'Run "docker login 127.0.0.1:5000" (or your registry\'s credential helper), or set NX_BENTOML_REGISTRY_USERNAME (or --username) and CI_REGISTRY_TOKEN, then run again.',
    );
    expect(explainRefusal(api(401, 'PUT', 'manifests/production'), hints).message).toBe(
      'The registry 127.0.0.1:5000 refused the credentials for 127.0.0.1:5000/classifier (401 unauthorized, PUT classifier/manifests/production). ' +
        'Run "docker login 127.0.0.1:5000" (or your registry\'s credential helper), or set NX_BENTOML_REGISTRY_USERNAME (or --username) and CI_REGISTRY_TOKEN, then run again.',
    );
  });

  it('tells a read refused (403) from a write refused, and names NX_BENTOML_REGISTRY_PASSWORD without passwordEnv', () => {
    expect(explainRefusal(api(403, 'GET', 'tags/list')).message).toBe(
      'The registry 127.0.0.1:5000 denied the pull of 127.0.0.1:5000/classifier (403 forbidden, GET classifier/tags/list): the credentials lack read access to this repository. ' +
        'Grant the account pull rights, or log in as one that has them. Run "docker login 127.0.0.1:5000" (or your registry\'s credential helper), or set NX_BENTOML_REGISTRY_USERNAME (or --username) and NX_BENTOML_REGISTRY_PASSWORD, then run again.',
    );
    expect(explainPushError('denied: requested access to the resource is denied', `${repository}:nx1`, '127.0.0.1:5000').message).toContain(
      'denied the push of 127.0.0.1:5000/classifier:nx1 (403 forbidden): the credentials lack write access to this repository. Grant the account push rights',
    );
  });

  it('says publish first for a repository read that does not exist, create it first for a write', () => {
    expect(explainRefusal(api(404, 'GET', 'tags/list'), { publish: 'nx run classifier:publish --registry=...' }).message).toBe(
      '127.0.0.1:5000/classifier does not exist in the registry: nothing was published under this name. Publish first (nx run classifier:publish --registry=...), or check the registry and image name.',
    );
    expect(explainRefusal(api(404, 'POST', 'blobs/uploads/')).message).toBe(
      'The registry 127.0.0.1:5000 has no repository for 127.0.0.1:5000/classifier (404, POST classifier/blobs/uploads/). Create the repository first (for Google Artifact Registry: gcloud artifacts repositories create).',
    );
  });

  it('reports any other answer with what was asked', () => {
    expect(explainRefusal(api(502, 'GET', 'manifests/nx1')).message).toBe(
      "The registry answered HTTP 502 to GET classifier/manifests/nx1 for 127.0.0.1:5000/classifier. Try again, or check the registry's state.",
    );
  });
});
