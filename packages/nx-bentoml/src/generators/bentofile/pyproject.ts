import { UserError } from '../../lib/errors';
import { type TomlTable, parseToml, stringifyToml as stringify } from '../../lib/toml';

/** pyproject.toml text parsed, or a UserError at file:line:col. */
export const parsePyproject = parseToml;

export function hasBuildTable(data: TomlTable): boolean {
  const tool = data['tool'] as { bentoml?: { build?: unknown } } | undefined;
  return tool?.bentoml?.build !== undefined;
}

/** Headers of [tool.bentoml.build] and its sub-tables, e.g. [tool.bentoml.build.docker]. */
const buildTableHeader = /^\s*\[\s*tool\s*\.\s*bentoml\s*\.\s*build\s*[.\]]/;
const anyHeader = /^\s*\[/;

/**
 * `existing` (the text of a pyproject.toml, or null when there is none) with `config` as its
 * [tool.bentoml.build] table. The rest of the file stays as written, comments included: the
 * table is appended, and an old one (with --force) is cut out line by line. Where the file's
 * layout does not allow that (the table as an inline table or dotted keys), the document is
 * rewritten from its parsed form instead.
 */
export function withBuildTable(existing: string | null, file: string, config: TomlTable, force: boolean): string {
  const table = stringify({ tool: { bentoml: { build: config } } });
  if (existing === null) return table;
  const data = parsePyproject(existing, file);
  let text = existing;
  if (hasBuildTable(data)) {
    if (!force) {
      throw new UserError(`${file} already has a [tool.bentoml.build] table. Edit it, or run again with --force to replace it.`);
    }
    text = withoutBuildTable(existing);
  }
  const appended = `${text.trimEnd()}\n\n${table}`;
  if (isValidWithTable(appended, config)) return appended;
  const tool = { ...((data['tool'] as TomlTable | undefined) ?? {}) };
  tool['bentoml'] = { ...((tool['bentoml'] as TomlTable | undefined) ?? {}), build: config };
  return stringify({ ...data, tool });
}

function withoutBuildTable(text: string): string {
  let inBuildTable = false;
  return text
    .split('\n')
    .filter((line) => {
      if (anyHeader.test(line)) inBuildTable = buildTableHeader.test(line);
      return !inBuildTable;
    })
    .join('\n');
}

function isValidWithTable(text: string, config: TomlTable): boolean {
  try {
    const tool = (parseToml(text, '') as { tool?: { bentoml?: { build?: unknown } } }).tool;
    return JSON.stringify(tool?.bentoml?.build) === JSON.stringify(config);
  } catch {
    return false;
  }
}
