import { impliedProjectRoot } from './project-layout';

describe('impliedProjectRoot', () => {
  it('takes the parent of a src/ build directory, as in the manual flow', () => {
    expect(impliedProjectRoot('apps/classifier/src')).toBe('apps/classifier');
  });

  it('keeps any other build directory, and a src/ at the workspace root', () => {
    expect(impliedProjectRoot('apps/classifier')).toBe('apps/classifier');
    expect(impliedProjectRoot('src')).toBe('src');
  });
});
