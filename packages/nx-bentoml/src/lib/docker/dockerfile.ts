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
      text = `${text.trimEnd().slice(0, -1)} ${lines[++index]}`;
    }
    found.push({ start, end: index, keyword: (/^\s*(\w+)/.exec(line)?.[1] ?? '').toUpperCase(), text });
  }
  return found;
}

/** COPY/ADD parts: flags, sources and destination; undefined for the JSON form or a copy from another stage or image. */
function copyParts(instruction: Instruction): { flags: string[]; sources: string[]; destination: string } | undefined {
  if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') return undefined;
  const words = instruction.text.trim().split(/\s+/).slice(1);
  if (words[0]?.startsWith('[')) return undefined;
  const flags = words.filter((word) => word.startsWith('--'));
  if (flags.some((flag) => flag.startsWith('--from='))) return undefined;
  const paths = words.filter((word) => !word.startsWith('--'));
  if (paths.length < 2 || paths.some((path) => /^[a-z]+:\/\//i.test(path))) return undefined;
  return { flags, sources: paths.slice(0, -1), destination: paths[paths.length - 1] };
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
    const rewritten = [instruction.keyword, ...parts.flags, ...parts.sources.map((source) => rebase(source, prefix)), parts.destination];
    const inserted = firstWhole?.instruction === instruction ? beforeWholeCopy : [];
    lines.splice(instruction.start, instruction.end - instruction.start + 1, ...inserted, rewritten.join(' '));
  }
  return { text: lines.join('\n'), copiesWholeContext: firstWhole !== undefined };
}

/** The `# syntax=` parser directive's frontend image, if the Dockerfile's leading comments name one. */
export function syntaxFrontend(dockerfile: string): string | undefined {
  for (const line of dockerfile.split('\n')) {
    if (line.trim() === '') continue;
    if (!line.trimStart().startsWith('#')) return undefined;
    const directive = /^\s*#\s*syntax\s*=\s*(\S+)\s*$/i.exec(line);
    if (directive) return directive[1];
  }
  return undefined;
}

/** The Dockerfile without its `# syntax=` line: the Engine's built-in Dockerfile frontend builds it. */
export function withoutSyntaxDirective(dockerfile: string): string {
  const lines = dockerfile.split('\n');
  const index = lines.findIndex((line) => /^\s*#\s*syntax\s*=/i.test(line));
  const firstInstruction = lines.findIndex((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  if (index === -1 || (firstInstruction !== -1 && index > firstInstruction)) return dockerfile;
  lines.splice(index, 1);
  return lines.join('\n');
}

/** A Dockerfile ARG's default value, e.g. BENTO_USER_UID's. */
export function argumentDefault(dockerfile: string, name: string): string | undefined {
  return new RegExp(`^\\s*ARG\\s+${name}=(\\S+)\\s*$`, 'mi').exec(dockerfile)?.[1];
}
