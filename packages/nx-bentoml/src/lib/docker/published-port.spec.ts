import { publishedHostPort } from './published-port';

describe('publishedHostPort', () => {
  it('reads the host port the Engine chose for the container port', () => {
    const inspected = { NetworkSettings: { Ports: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '49153' }], '22/tcp': null } } };
    expect(publishedHostPort(inspected, '3000/tcp')).toBe(49153);
  });

  it('fails when the port is not published', () => {
    expect(() => publishedHostPort({ NetworkSettings: { Ports: { '3000/tcp': null } } }, '3000/tcp')).toThrow(
      'published no host port for the container port 3000/tcp',
    );
    expect(() =>
      publishedHostPort({ NetworkSettings: { Ports: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } } }, '3000/tcp'),
    ).toThrow('published no host port');
    expect(() => publishedHostPort({}, '3000/tcp')).toThrow('published no host port');
  });
});
