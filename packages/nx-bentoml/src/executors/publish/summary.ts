import { textTable } from '../../lib/text-table';
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

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
