import { renderTags } from './tag-templates';

const values = {
  bentoVersion: 'nx1abc',
  gitSha: '0123456789abcdef0123456789abcdef01234567',
  branch: 'feature/new-model',
  now: new Date('2026-11-23T23:59:00Z'),
};

describe('renderTags', () => {
  it('renders every placeholder', () => {
    expect(renderTags(['{bentoVersion}', '{gitSha}', '{gitShortSha}', '{branch}', '{date}', 'latest', '{branch}-{date}'], values)).toEqual([
      'nx1abc',
      '0123456789abcdef0123456789abcdef01234567',
      '0123456',
      'feature-new-model',
      '20261123',
      'latest',
      'feature-new-model-20261123',
    ]);
  });

  it('drops duplicates', () => {
    expect(renderTags(['latest', 'latest', '{bentoVersion}'], values)).toEqual(['latest', 'nx1abc']);
  });

  it('names an unknown placeholder and the known ones', () => {
    expect(() => renderTags(['{version}'], values)).toThrow(
      'Unknown placeholder {version} in the tag "{version}". Use {bentoVersion}, {gitSha}',
    );
  });

  it('explains a placeholder without a value', () => {
    expect(() => renderTags(['{branch}'], { ...values, branch: undefined })).toThrow(
      'The tag "{branch}" needs {branch}, which is unknown here (no git branch)',
    );
  });

  it('rejects a rendered tag Docker would refuse', () => {
    expect(() => renderTags(['-{date}'], values)).toThrow('Invalid image tag "-20261123"');
  });
});
