import { sharedIncludes } from './shared-includes';

describe('sharedIncludes', () => {
  const of = (include: string[], contextRoot = 'apps/alpha/src') => {
    const invalid: string[] = [];
    const found = sharedIncludes({ service: 'serve:S', include }, contextRoot, (pattern, reason) => invalid.push(`${pattern}: ${reason}`));
    return { found, invalid };
  };

  it('maps a pattern outside the build context to the directory it names and its staged pattern', () => {
    expect(of(['*.py', '../../../libs/features/features/**/*.py']).found).toEqual([
      {
        pattern: '../../../libs/features/features/**/*.py',
        source: 'libs/features/features',
        name: 'features',
        staged: 'features/**/*.py',
      },
    ]);
  });

  it('takes a directory or a single file without a wildcard', () => {
    expect(of(['../../../libs/text/tokens', '../../shared.py']).found).toEqual([
      { pattern: '../../../libs/text/tokens', source: 'libs/text/tokens', name: 'tokens', staged: 'tokens' },
      { pattern: '../../shared.py', source: 'apps/shared.py', name: 'shared.py', staged: 'shared.py' },
    ]);
  });

  it('reports patterns that leave the workspace or name no directory', () => {
    const { found, invalid } = of(['../../../../elsewhere/**', '../../../*']);
    expect(found).toEqual([]);
    expect(invalid).toEqual([
      '../../../../elsewhere/**: it leads out of the workspace',
      '../../../*: it must name a directory or file before its first wildcard, such as "../../libs/features/features/**"',
    ]);
  });
});
