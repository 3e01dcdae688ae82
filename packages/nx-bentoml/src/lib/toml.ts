import { UserError } from './errors';

// smol-toml ships CommonJS (dist/index.cjs) but declares its types for ESM only; one typed require for all callers.
const smolToml: typeof import('smol-toml', { with: { 'resolution-mode': 'import' } }) = require('smol-toml');

export type TomlTable = Record<string, unknown>;

export const stringifyToml = smolToml.stringify;

/** TOML text parsed, or a UserError at `file:line:col` saying what is wrong. */
export function parseToml(text: string, file: string): TomlTable {
  try {
    return smolToml.parse(text) as TomlTable;
  } catch (error) {
    const { line = 1, column = 1, message } = error as { line?: number; column?: number; message: string };
    const reason = message.split('\n')[0].replace(/^Invalid TOML document: /, '');
    throw new UserError(`${file}:${line}:${column}: invalid TOML: ${reason}. Fix the syntax and run again.`);
  }
}
