import { bentoVersionFromHash } from './reuse-rules';

describe('rule 1: bentoVersionFromHash', () => {
  it('is stable, short and a valid BentoML version', () => {
    const version = bentoVersionFromHash('13960263862632425338');
    expect(version).toBe(bentoVersionFromHash('13960263862632425338'));
    expect(version).toMatch(/^nx[a-z0-9]{1,40}$/);
  });

  it('differs for different hashes', () => {
    expect(bentoVersionFromHash('1')).not.toBe(bentoVersionFromHash('2'));
  });

  it('accepts hex hashes', () => {
    expect(bentoVersionFromHash('ABCdef0123')).toBe('nxabcdef0123');
  });
});
