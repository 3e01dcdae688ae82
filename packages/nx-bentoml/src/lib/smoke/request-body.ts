import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { SmokeBody } from './smoke-test-file';
import { truncate } from './json-match';

/** Media types by file extension, for files sent without a "contentType"; anything else is application/octet-stream. */
const mediaTypes: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.flac': 'audio/flac',
  '.m4a': 'audio/mp4',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.html': 'text/html',
  '.xml': 'application/xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.parquet': 'application/vnd.apache.parquet',
};

export function contentTypeOf(filename: string): string {
  return mediaTypes[extname(filename).toLowerCase()] ?? 'application/octet-stream';
}

export interface EncodedBody {
  body?: string | Blob | FormData;
  /** Set for JSON and raw bodies; fetch sets multipart's own, with its boundary. */
  contentType?: string;
  /** What was sent, in one line, for messages. */
  sent: string;
}

/** The fetch body of a request, with Node's own FormData and Blob; files are read now. */
export function encodeBody(body: SmokeBody): EncodedBody {
  switch (body.kind) {
    case 'none':
      return { sent: 'no body' };
    case 'json': {
      const text = JSON.stringify(body.value);
      return { body: text, contentType: 'application/json', sent: `application/json ${truncate(text, 300)}` };
    }
    case 'multipart': {
      const form = new FormData();
      const parts = body.fields.map((field) => {
        if ('value' in field) {
          form.append(field.name, field.value);
          return `${field.name}=${truncate(JSON.stringify(field.value), 100)}`;
        }
        const bytes = readFileSync(field.file.path);
        form.append(field.name, new Blob([bytes], { type: field.file.contentType }), field.file.filename);
        return `${field.name}=@${field.file.shown} (${field.file.contentType}, ${bytes.length} bytes)`;
      });
      return { body: form, sent: `multipart/form-data ${parts.join(', ') || '(no fields)'}` };
    }
    case 'raw': {
      if ('text' in body)
        return { body: body.text, contentType: body.contentType, sent: `${body.contentType} ${truncate(JSON.stringify(body.text), 300)}` };
      const bytes = readFileSync(body.file.path);
      return {
        body: new Blob([bytes], { type: body.contentType }),
        contentType: body.contentType,
        sent: `${body.contentType} @${body.file.shown} (${bytes.length} bytes)`,
      };
    }
  }
}
