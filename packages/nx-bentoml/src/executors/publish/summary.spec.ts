import { formatBytes } from '../../lib/text-table';
import { summaryTable } from './summary';

describe('summaryTable', () => {
  it('shows image, tag, digest, size and whether each reference was pushed', () => {
    const table = summaryTable({
      imageName: 'classifier',
      imageId: 'sha256:1',
      imageSizeBytes: 512_300_000,
      pushed: [
        { registry: '127.0.0.1:5000', reference: '127.0.0.1:5000/classifier:nx1', tag: 'nx1', digest: 'sha256:aa', status: 'pushed' },
        { registry: 'ghcr.io/org', reference: 'ghcr.io/org/classifier:latest', tag: 'latest', digest: 'sha256:aa', status: 'up-to-date' },
      ],
    });
    expect(table.split('\n')).toEqual([
      'image                      tag     digest     size      status',
      '127.0.0.1:5000/classifier  nx1     sha256:aa  512.3 MB  pushed',
      'ghcr.io/org/classifier     latest  sha256:aa  512.3 MB  up to date',
    ]);
  });

  it('formats sizes', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_500_000_000)).toBe('1.5 GB');
  });
});
