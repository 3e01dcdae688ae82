import { escapeCharacter, splitLabels, withLabelInstruction } from './label-instruction';

const dockerfile = '# syntax = docker/dockerfile:1.2.1\nFROM python:3.11-slim\nCOPY . ./\nENTRYPOINT ["bentoml"]\n';

describe('splitLabels', () => {
  it('keeps in the build parameter what one Dockerfile line cannot carry', () => {
    expect(splitLabels({ a: 'x y', b: 'line 1\nline 2', 'c=d': 'x', e: 'cr\r', f: '' })).toEqual({
      instruction: { a: 'x y', f: '' },
      parameter: { b: 'line 1\nline 2', 'c=d': 'x', e: 'cr\r' },
    });
  });
});

describe('withLabelInstruction', () => {
  it('appends one LABEL line, quoting keys and values so that nothing is substituted', () => {
    const labelled = withLabelInstruction(dockerfile, {
      'a.b': 'plain',
      q: 'say "hi"',
      d: '$HOME ${X}',
      s: 'C:\\dir\\',
      t: '`tick` and spaces ',
    });
    expect(labelled).toBe(
      `${dockerfile}LABEL "a.b"="plain" "q"="say \\"hi\\"" "d"="\\$HOME \\\${X}" "s"="C:\\\\dir\\\\" "t"="\`tick\` and spaces "\n`,
    );
  });

  it('starts the instruction on its own line', () => {
    expect(withLabelInstruction('FROM scratch', { a: 'b' })).toBe('FROM scratch\nLABEL "a"="b"\n');
  });

  it("escapes with the Dockerfile's escape directive", () => {
    const windows = '# escape=`\nFROM scratch\n';
    expect(escapeCharacter(windows)).toBe('`');
    expect(withLabelInstruction(windows, { p: 'C:\\x `y` "$z"' })).toBe(`${windows}LABEL "p"="C:\\x \`\`y\`\` \`"\`$z\`""\n`);
  });

  it('reads directives only at the top of the Dockerfile', () => {
    expect(escapeCharacter('# syntax = docker/dockerfile:1.2.1\n#escape = `\nFROM x\n')).toBe('`');
    expect(escapeCharacter('FROM x\n# escape=`\n')).toBe('\\');
    expect(escapeCharacter('# a comment\n# escape=`\n')).toBe('\\');
  });
});
