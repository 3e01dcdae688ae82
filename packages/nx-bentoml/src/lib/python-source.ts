/**
 * Python source read without running Python (the project graph cannot start an interpreter per
 * project): comments dropped and string literals set aside once, then read for its imports, its
 * service classes and the literal arguments of calls. A docstring or comment that mentions
 * "import x", "@bentoml.service" or BentoModel("m") is neither.
 */
export interface PythonSource {
  /**
   * The code without comments; each string literal is `"<n>"`, its prefix kept (f"3" for an
   * f-string), followed by the newlines it spanned so that lines keep their numbers.
   */
  code: string;
  /** String literal n's text; undefined for f-strings and bytes, whose value is computed or not text. */
  strings: Array<string | undefined>;
}

let last: { text: string; source: PythonSource } | undefined;

/** Reads Python source; the same text read twice in a row (the plugin asks several questions of one module) is read once. */
export function readPythonSource(text: string | PythonSource): PythonSource {
  if (typeof text !== 'string') return text;
  if (last?.text === text) return last.source;
  const source = scan(text);
  last = { text, source };
  return source;
}

function scan(text: string): PythonSource {
  const strings: Array<string | undefined> = [];
  let code = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      const start = i + quote.length;
      let end = start;
      while (end < text.length && !text.startsWith(quote, end)) {
        if (quote.length === 1 && text[end] === '\n') break;
        end += text[end] === '\\' ? 2 : 1;
      }
      const body = text.slice(start, Math.min(end, text.length));
      const prefix = /(?:^|[^\w])([rRbBuUfF]{1,2})$/.exec(code.slice(-3))?.[1] ?? '';
      strings.push(/[bBfF]/.test(prefix) ? undefined : body);
      code += `"${strings.length - 1}"${'\n'.repeat(body.split('\n').length - 1)}`;
      i = end + (text.startsWith(quote, end) ? quote.length : 0);
    } else {
      code += c;
      i++;
    }
  }
  return { code, strings };
}

/** One import statement's target: `import a.b` is { module: 'a.b' }, `from ..x import y` is level 2. */
export interface PythonImport {
  /** Dots of a relative import: 0 for an absolute one. */
  level: number;
  /** The module after the dots ('' for `from . import x`). */
  module: string;
  /** The names of a `from … import` (possibly submodules); empty for `import …`. */
  names: string[];
}

/** The imports, wherever they are (top level, functions, try blocks); bracketed or backslash-continued statements joined. */
export function pythonImports(text: string | PythonSource): PythonImport[] {
  const imports: PythonImport[] = [];
  for (const line of logicalLines(readPythonSource(text).code)) {
    for (const statement of line.split(';').map((part) => part.trim())) {
      const plain = /^import\s+(.+)$/.exec(statement);
      if (plain) {
        for (const item of plain[1].split(',')) {
          const module = withoutAlias(item);
          if (/^[A-Za-z_][\w.]*$/.test(module)) imports.push({ level: 0, module, names: [] });
        }
        continue;
      }
      const from = /^from\s+(\.*)\s*([\w.]*)\s+import\s+(.+)$/.exec(statement);
      if (from && (from[1] || from[2])) {
        const names = from[3]
          .replace(/[()]/g, ' ')
          .split(',')
          .map(withoutAlias)
          .filter((name) => /^[A-Za-z_]\w*$/.test(name));
        imports.push({ level: from[1].length, module: from[2], names });
      }
    }
  }
  return imports;
}

function withoutAlias(item: string): string {
  return item
    .trim()
    .split(/\s+as\s+/)[0]
    .trim();
}

/** Physical lines joined into statements: inside brackets and after a backslash a newline is a space. */
function logicalLines(code: string): string[] {
  const lines: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '\\' && code[i + 1] === '\n') {
      current += ' ';
      i++;
    } else if (c === '\n' || c === '\r') {
      if (depth > 0) current += ' ';
      else {
        lines.push(current);
        current = '';
      }
    } else {
      if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
      current += c;
    }
  }
  lines.push(current);
  return lines;
}

/**
 * The module's top-level classes under a decorator whose line matches `decorator` (with or without
 * arguments, other decorators in between). `line` is the class statement's, 1-based.
 */
export function decoratedClasses(text: string | PythonSource, decorator: RegExp): Array<{ name: string; line: number }> {
  const lines = readPythonSource(text).code.split('\n');
  const classes: Array<{ name: string; line: number }> = [];
  lines.forEach((line, index) => {
    if (!decorator.test(line)) return;
    for (let next = index + 1; next < lines.length; next++) {
      const match = /^class\s+([A-Za-z_]\w*)/.exec(lines[next]);
      if (match) {
        classes.push({ name: match[1], line: next + 1 });
        break;
      }
    }
  });
  return classes;
}

/** A call's arguments: each literal string's text, undefined for any other expression. */
export interface CallArguments {
  /** The groups the callee pattern captured, e.g. the method name. */
  callee: string[];
  positional: Array<string | undefined>;
  named: Record<string, string | undefined>;
}

/**
 * The calls whose callee matches `callee` (a global pattern matched against the code, ending just
 * before the opening bracket or whitespace before it), with their arguments.
 */
export function pythonCalls(text: string | PythonSource, callee: RegExp): CallArguments[] {
  const { code, strings } = readPythonSource(text);
  const literal = (expression: string) => {
    const index = /^[rRuU]?"(\d+)"$/.exec(expression.trim())?.[1];
    return index === undefined ? undefined : strings[Number(index)];
  };
  const calls: CallArguments[] = [];
  for (const match of code.matchAll(new RegExp(callee.source, callee.flags.includes('g') ? callee.flags : `${callee.flags}g`))) {
    const open = /^\s*\(/.exec(code.slice(match.index + match[0].length));
    if (!open) continue;
    const args = topLevelArguments(code, match.index + match[0].length + open[0].length);
    const call: CallArguments = { callee: match.slice(1), positional: [], named: {} };
    for (const arg of args) {
      const named = /^([A-Za-z_]\w*)\s*=(?!=)\s*([\s\S]*)$/.exec(arg);
      if (named) call.named[named[1]] = literal(named[2]);
      else call.positional.push(literal(arg));
    }
    calls.push(call);
  }
  return calls;
}

/** The comma-separated arguments from `start` (just after the opening bracket) to its closing bracket. */
function topLevelArguments(code: string, start: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = start; i < code.length; i++) {
    const c = code[i];
    if (depth === 0 && (c === ')' || c === ',')) {
      if (current.trim()) args.push(current.trim());
      if (c === ')') break;
      current = '';
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    current += c;
  }
  return args;
}
