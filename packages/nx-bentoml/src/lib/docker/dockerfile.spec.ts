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
  it("is a directive only among the first lines, as BuildKit reads it, and removed so that the engine's own frontend builds the file", () => {
    const directive = '# syntax=docker/dockerfile:1.7\n# escape=\\\nFROM x\n';
    expect(syntaxFrontend(directive)).toBe('docker/dockerfile:1.7');
    expect(withoutSyntaxDirective(directive)).toBe('# escape=\\\nFROM x\n');
    // BentoML writes it after a blank line and a comment: inert, so nothing is removed.
    const bentoml = '\n# 1.2.1 is the current docker frontend\n# syntax = docker/dockerfile:1.2.1\nFROM x\n';
    expect(syntaxFrontend(bentoml)).toBeUndefined();
    expect(withoutSyntaxDirective(bentoml)).toBe(bentoml);
    expect(syntaxFrontend('FROM x\n# syntax=a/b\n')).toBeUndefined();
  });
});

describe('argumentDefault', () => {
  it("reads an ARG's default value", () => {
    expect(argumentDefault('ARG BENTO_USER_UID=1034\nARG BENTO_PATH=/home/bentoml/bento\n', 'BENTO_PATH')).toBe('/home/bentoml/bento');
    expect(argumentDefault('ARG BENTO_PATH\n', 'BENTO_PATH')).toBeUndefined();
  });
});

describe('rebaseDockerfile, the forms a Dockerfile template may use', () => {
  it('rebases the JSON form, and leaves heredocs, remote sources and comments inside continuations alone', () => {
    const dockerfile = [
      'FROM x',
      'COPY --chown=bentoml:bentoml ["./env/python", "./env/python/"]',
      'COPY <<EOF /etc/motd',
      'COPY . ./ is not an instruction here',
      'EOF',
      'ADD git@github.com:org/repo.git /opt/repo',
      'RUN apt-get install \\',
      '# a comment inside the continuation',
      '    curl',
      'COPY --chown=bentoml:bentoml . ./',
    ].join('\n');
    const { text, copiesWholeContext } = rebaseDockerfile(dockerfile, 'bento', ['ADD layers/01-a.tar /']);
    expect(copiesWholeContext).toBe(true);
    expect(text.split('\n')).toEqual([
      'FROM x',
      'COPY --chown=bentoml:bentoml ["bento/env/python","./env/python/"]',
      'COPY <<EOF /etc/motd',
      'COPY . ./ is not an instruction here',
      'EOF',
      'ADD git@github.com:org/repo.git /opt/repo',
      'RUN apt-get install \\',
      '# a comment inside the continuation',
      '    curl',
      'ADD layers/01-a.tar /',
      'COPY --chown=bentoml:bentoml bento/. ./',
    ]);
  });
});
