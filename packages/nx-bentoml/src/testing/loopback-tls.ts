/**
 * A self-signed certificate for 127.0.0.1 (EC P-256, valid until 2126), made for tests with
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500
 * -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1`: a TLS server on loopback, trusted by
 * passing the certificate as its own CA. It protects nothing.
 */
export const loopbackTls = {
  key: [
    '-----BEGIN PRIVATE KEY-----',
    'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQghtOWQWsGfAeHNEtx',
    'e1UU5f9s7pLnaS32OMFt6rIZCVuhRANCAARGUgYGelke7oiCgJEOM1f3TEyPAP4z',
    'L7mbBbaXhd0p63gbu6tUXiM2wEo/1CFCfxUZdWNzlGmfG4i4uymeQDc1',
    '-----END PRIVATE KEY-----',
  ].join('\n'),
  cert: [
    '-----BEGIN CERTIFICATE-----',
    'MIIBkTCCATagAwIBAgIUU/PMbJMVYoJHjz3PeuRS77NyNxwwCgYIKoZIzj0EAwIw',
    'FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwNzAxMTQ0N1oYDzIxMjYxMTEz',
    'MDExNDQ3WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO',
    'PQMBBwNCAARGUgYGelke7oiCgJEOM1f3TEyPAP4zL7mbBbaXhd0p63gbu6tUXiM2',
    'wEo/1CFCfxUZdWNzlGmfG4i4uymeQDc1o2QwYjAdBgNVHQ4EFgQU47RSAXsLF30X',
    't+F6B4yxJNs/0I0wHwYDVR0jBBgwFoAU47RSAXsLF30Xt+F6B4yxJNs/0I0wDwYD',
    'VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0kAMEYC',
    'IQDQWhiwLht6QElpvhShArwbEPu8GfzDp5RfhDovMk5gnAIhAN2qVbnn80OHwqCb',
    'H31LUhY2AIVCyvoFqJ2l2d9GezhJ',
    '-----END CERTIFICATE-----',
  ].join('\n'),
};
