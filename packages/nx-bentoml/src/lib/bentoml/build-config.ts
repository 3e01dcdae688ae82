import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../errors';
import { serviceClasses } from './service-classes';
import { type BuildConfig, defaultServiceModule, parseBentofile, parsePyprojectBuildConfig } from './build-config-schema';

/**
 * The ways BentoML 1.4 declares a build, in the order `bentoml build <dir>` looks for them
 * (DEFAULT_BENTO_BUILD_FILES, then the default service module):
 * - "bentofile": bentofile.yaml;
 * - "pyproject": pyproject.toml, its [tool.bentoml.build] table and [project] metadata;
 * - "service-module": no build file; service.py with a @bentoml.service class, whose image may be
 *   declared in code (bentoml.images.Image).
 */
export type BuildConfigForm = 'bentofile' | 'pyproject' | 'service-module';

export const bentofileName = 'bentofile.yaml';
export const pyprojectName = 'pyproject.toml';
/** The files that can make a directory a BentoML build directory. */
export const buildDirMarkers = [bentofileName, pyprojectName, defaultServiceModule];

export interface BuildConfigSource {
  form: BuildConfigForm;
  /** The build file's name in the build directory; none for "service-module". */
  file?: string;
}

// A pyproject.toml is a BentoML build config when it says so; any Python project has one.
const bentomlTable = /^\s*\[\s*tool\.bentoml\.build\s*\]/m;

/**
 * Whether BentoML would build the directory, and from what, given the marker files it holds
 * (`read` returns a file's text). A pyproject.toml counts when it has [tool.bentoml.build], or
 * when service.py beside it defines a service: BentoML then reads its [project] metadata too.
 */
export function detectBuildConfig(present: ReadonlySet<string>, read: (name: string) => string): BuildConfigSource | undefined {
  if (present.has(bentofileName)) return { form: 'bentofile', file: bentofileName };
  if (present.has(pyprojectName) && bentomlTable.test(read(pyprojectName))) return { form: 'pyproject', file: pyprojectName };
  if (!present.has(defaultServiceModule) || serviceClasses(read(defaultServiceModule)).length === 0) return undefined;
  return present.has(pyprojectName) ? { form: 'pyproject', file: pyprojectName } : { form: 'service-module' };
}

/** The form a build file's name implies. */
export function formOfFile(file: string): BuildConfigForm {
  return basename(file) === pyprojectName ? 'pyproject' : 'bentofile';
}

/** Parses a build config's text; every problem is reported as `file:line:col: message`. */
export function parseBuildConfig(
  form: BuildConfigForm,
  text: string,
  displayPath: string,
  options: { strict?: boolean } = {},
): BuildConfig {
  if (form === 'bentofile') return parseBentofile(text, displayPath, options);
  if (form === 'pyproject') return parsePyprojectBuildConfig(text, displayPath, options);
  return parseBentofile('', displayPath, options);
}

/** A build directory's config, with the form and file it was read from. */
export interface BuildDirConfig extends BuildConfigSource {
  /** Absolute path of the build file, when there is one. */
  path?: string;
  config: BuildConfig;
}

/**
 * Reads the build config of a build directory: the file given (bentofile.yaml or pyproject.toml),
 * else the first BentoML finds there, else none, as `bentoml build <dir>` does.
 */
export function readBuildConfig(buildDir: string, file: string | undefined, display: (path: string) => string): BuildDirConfig {
  const path = file ?? [bentofileName, pyprojectName].map((name) => join(buildDir, name)).find((candidate) => existsSync(candidate));
  if (!path) return { form: 'service-module', config: parseBentofile('', display(join(buildDir, defaultServiceModule))) };
  const form = formOfFile(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${display(path)}: cannot read the build config. Create it with "nx g nx-bentoml:bentofile".`);
  }
  return { form, file: basename(path), path, config: parseBuildConfig(form, text, display(path)) };
}
