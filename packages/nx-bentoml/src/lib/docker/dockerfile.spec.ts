import { argumentDefault, rebaseDockerfile, syntaxFrontend, withoutSyntaxDirective } from './dockerfile';

describe('rebaseDockerfile', () => {
  const generated = [
    '',
    '# syntax = docker/dockerfile:1.2.1',
    'FROM python:3.11-slim AS base-container',
    'COPY --chown=bentoml:bentoml ./env/docker ./env/docker/',
    'COPY --from=uv /uv /bin/uv',
    'RUN --mount=type=cache,target=/root/.cache/ \\',
    '    uv pip install -r ./env/python/requirements.txt',
    'COPY --chown=bentoml:bentoml \\',
    '    . ./',
    'ADD https://example.com/x.tgz /opt/',
    'USER bentoml',
  ].join('\n');

  it("moves the context's sources under the prefix and puts the layers right before the whole-Bento COPY", () => {
    const { text, copiesWholeContext } = rebaseDockerfile(generated, 'bento', ['ADD layers/01-a.tar /', 'ADD layers/02-b.tar /']);
    expect(copiesWholeContext).toBe(true);
    expect(text.split('\n')).toEqual([
      '',
      '# syntax = docker/dockerfile:1.2.1',
      'FROM python:3.11-slim AS base-container',
      'COPY --chown=bentoml:bentoml bento/env/docker ./env/docker/',
      'COPY --from=uv /uv /bin/uv',
      'RUN --mount=type=cache,target=/root/.cache/ \\',
      '    uv pip install -r ./env/python/requirements.txt',
      'ADD layers/01-a.tar /',
      'ADD layers/02-b.tar /',
      'COPY --chown=bentoml:bentoml bento/. ./',
      'ADD https://example.com/x.tgz /opt/',
      'USER bentoml',
    ]);
  });

  it('says when no instruction copies the whole Bento (a custom template), so the models stay in it', () => {
    const { text, copiesWholeContext } = rebaseDockerfile('FROM x\nCOPY ./src /app/src\n', 'bento', ['ADD layers/01-a.tar /']);
    expect(copiesWholeContext).toBe(false);
    expect(text).toBe('FROM x\nCOPY bento/src /app/src\n');
  });
});

describe('the # syntax directive', () => {
  it("is found among the leading comments, and removed so that the engine's own frontend builds the file", () => {
    const dockerfile = '\n# 1.2.1 is the current frontend\n# syntax = docker/dockerfile:1.2.1\n#\nFROM x\n# syntax = not/a-directive\n';
    expect(syntaxFrontend(dockerfile)).toBe('docker/dockerfile:1.2.1');
    expect(withoutSyntaxDirective(dockerfile)).toBe('\n# 1.2.1 is the current frontend\n#\nFROM x\n# syntax = not/a-directive\n');
    expect(syntaxFrontend('FROM x\n# syntax=a/b\n')).toBeUndefined();
    expect(withoutSyntaxDirective('FROM x\n# syntax=a/b\n')).toBe('FROM x\n# syntax=a/b\n');
  });
});

describe('argumentDefault', () => {
  it("reads an ARG's default value", () => {
    expect(argumentDefault('ARG BENTO_USER_UID=1034\nARG BENTO_PATH=/home/bentoml/bento\n', 'BENTO_PATH')).toBe('/home/bentoml/bento');
    expect(argumentDefault('ARG BENTO_PATH\n', 'BENTO_PATH')).toBeUndefined();
  });
});
