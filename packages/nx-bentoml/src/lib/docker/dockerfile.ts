import { escapeCharacter } from './label-instruction';

/**
 * The few Dockerfile rewrites containerize makes to the Dockerfile BentoML generates: everything
 * else stays as BentoML wrote it.
 */

/** One instruction: its first line's index, its last line's index, and its text joined across continuations. */
interface Instruction {
  start: number;
  end: number;
  keyword: string;
  text: string;
}

function instructions(lines: string[], escape: string): Instruction[] {
  const found: Instruction[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (/^\s*(#|$)/.test(line)) continue;
    const start = index;
    let text = line;
    while (text.trimEnd().endsWith(escape) && index + 1 < lines.length) {
      const next = lines[++index];
      // Comment lines inside a continued instruction are not part of it.
      text = /^\s*#/.test(next) ? text : `${text.trimEnd().slice(0, -1)} ${next}`;
    }
    found.push({ start, end: index, keyword: (/^\s*(\w+)/.exec(line)?.[1] ?? '').toUpperCase(), text });
    // A heredoc's body (RUN <<EOF ... EOF) is no instruction.
    for (const [, delimiter] of text.matchAll(/<<-?["']?(\w+)["']?/g)) {
      while (index + 1 < lines.length && lines[++index].trim() !== delimiter);
    }
  }
  return found;
}

/** A source another stage, an image, a URL or a git repository gives, not the context. */
const remoteSource = /^([a-z][a-z0-9+.-]*:\/\/|[\w.-]+@[\w.-]+:)/i;

/** COPY/ADD parts: flags, sources and destination, and whether it is the JSON form; undefined when its sources are not the context's. */
function copyParts(instruction: Instruction): { flags: string[]; sources: string[]; destination: string; json: boolean } | undefined {
  if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') return undefined;
  const words = instruction.text.trim().split(/\s+/).slice(1);
  // Flags come before the operands.
  const flags: string[] = [];
  while (words[0]?.startsWith('--')) flags.push(words.shift() as string);
  if (flags.some((flag) => flag.startsWith('--from='))) return undefined;
  const operands = words.join(' ');
  let paths: string[];
  let json = false;
  if (operands.startsWith('[')) {
    try {
      paths = JSON.parse(operands) as string[];
      json = true;
    } catch {
      return undefined;
    }
  } else {
    paths = operands.split(/\s+/);
  }
  if (paths.length < 2 || paths.some((path) => remoteSource.test(path) || path.startsWith('<<'))) return undefined;
  return { flags, sources: paths.slice(0, -1), destination: paths[paths.length - 1], json };
}

/** A source path under `prefix`: "." and "./" become "bento/.", "./env/docker" becomes "bento/env/docker". */
function rebase(source: string, prefix: string): string {
  const relative = source.replace(/^(\.\/)+/, '');
  return relative === '' || relative === '.' ? `${prefix}/.` : `${prefix}/${relative}`;
}

export interface RebasedDockerfile {
  text: string;
  /** Whether an instruction copies the whole context (`COPY . ./`): the model layers go right before it. */
  copiesWholeContext: boolean;
}

/**
 * Moves every COPY/ADD source from the context's root to `prefix/` (the context then holds the
 * Bento there, and the model layers beside it), and puts `beforeWholeCopy` right before the
 * instruction that copies the whole Bento, so the models sit in layers of their own between the
 * dependencies and the code.
 */
export function rebaseDockerfile(dockerfile: string, prefix: string, beforeWholeCopy: string[]): RebasedDockerfile {
  const lines = dockerfile.split('\n');
  const copies = instructions(lines, escapeCharacter(dockerfile)).flatMap((instruction) => {
    const parts = copyParts(instruction);
    return parts ? [{ instruction, parts, whole: parts.sources.some((source) => rebase(source, prefix) === `${prefix}/.`) }] : [];
  });
  const firstWhole = copies.find((copy) => copy.whole);
  // From the last line up, so that earlier line numbers stay true.
  for (const { instruction, parts } of copies.reverse()) {
    const paths = [...parts.sources.map((source) => rebase(source, prefix)), parts.destination];
    const rewritten = [instruction.keyword, ...parts.flags, ...(parts.json ? [JSON.stringify(paths)] : paths)].join(' ');
    const inserted = firstWhole?.instruction === instruction ? beforeWholeCopy : [];
    lines.splice(instruction.start, instruction.end - instruction.start + 1, ...inserted, rewritten);
  }
  return { text: lines.join('\n'), copiesWholeContext: firstWhole !== undefined };
}

/**
 * The frontend image a `# syntax=` parser directive names. As BuildKit reads them, parser
 * directives are only the first lines of the file: a blank line, another comment or an
 * instruction ends them (so the directive BentoML writes after its header comment is inert).
 */
export function syntaxFrontend(dockerfile: string): string | undefined {
  return syntaxDirective(dockerfile)?.frontend;
}

function syntaxDirective(dockerfile: string): { line: number; frontend: string } | undefined {
  const lines = dockerfile.split('\n');
  for (const [index, line] of lines.entries()) {
    const directive = /^\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(\S+)\s*$/.exec(line);
    if (!directive) return undefined;
    if (directive[1].toLowerCase() === 'syntax') return { line: index, frontend: directive[2] };
  }
  return undefined;
}

/** The Dockerfile without its `# syntax=` directive: the Engine's built-in Dockerfile frontend builds it. */
export function withoutSyntaxDirective(dockerfile: string): string {
  const directive = syntaxDirective(dockerfile);
  if (!directive) return dockerfile;
  const lines = dockerfile.split('\n');
  lines.splice(directive.line, 1);
  return lines.join('\n');
}

/** A Dockerfile ARG's default value, e.g. BENTO_USER_UID's. */
export function argumentDefault(dockerfile: string, name: string): string | undefined {
  return new RegExp(`^\\s*ARG\\s+${name}=(\\S+)\\s*$`, 'mi').exec(dockerfile)?.[1];
}
