/**
 * The image's labels as one LABEL instruction, instead of the one build step (and one history
 * entry) per label that the classic builder makes of the Engine's `labels` build parameter. A
 * label the Dockerfile cannot carry on one line (a newline, or "=" in its key) stays in the
 * `labels` parameter, which takes any value.
 */

/** Which labels one LABEL line can carry, and which must stay in the build's `labels` parameter. */
export function splitLabels(labels: Record<string, string>) {
  const instruction: Record<string, string> = {};
  const parameter: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    const onOneLine = key !== '' && !/[=\r\n\0]/.test(key) && !/[\r\n\0]/.test(value);
    (onOneLine ? instruction : parameter)[key] = value;
  }
  return { instruction, parameter };
}

/** The Dockerfile with one LABEL instruction appended, quoted for its escape character. */
export function withLabelInstruction(dockerfile: string, labels: Record<string, string>): string {
  const escape = escapeCharacter(dockerfile);
  const quote = (text: string) => `"${[...text].map((c) => (c === '"' || c === '$' || c === escape ? escape + c : c)).join('')}"`;
  const pairs = Object.entries(labels).map(([key, value]) => `${quote(key)}=${quote(value)}`);
  const separator = dockerfile === '' || dockerfile.endsWith('\n') ? '' : '\n';
  return `${dockerfile}${separator}LABEL ${pairs.join(' ')}\n`;
}

/** The escape parser directive ("# escape=`") of a Dockerfile, or the default backslash. */
export function escapeCharacter(dockerfile: string): string {
  for (const line of dockerfile.split('\n')) {
    const directive = /^\s*#\s*([a-zA-Z]+)\s*=\s*(\S*)\s*$/.exec(line);
    if (!directive) break;
    if (directive[1].toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\')) return directive[2];
  }
  return '\\';
}
