import { explainPushError, isTransientPushError } from './push-errors';

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
