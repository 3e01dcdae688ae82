import { formatBytes, textTable } from '../../lib/text-table';
import type { PushHandoff } from '../../lib/chain/handoff-files';

/** The table publish ends with: one row per pushed reference. */
export function summaryTable(manifest: PushHandoff): string {
  const size = formatBytes(manifest.imageSizeBytes);
  const rows = [
    ['image', 'tag', 'digest', 'size', 'status'],
    ...manifest.pushed.map((entry) => [
      `${entry.registry}/${manifest.imageName}`,
      entry.tag,
      entry.digest,
      size,
      entry.status === 'pushed' ? 'pushed' : 'up to date',
    ]),
  ];
  return textTable(rows);
}
