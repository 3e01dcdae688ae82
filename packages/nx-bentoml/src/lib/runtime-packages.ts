import type { PythonInspection } from './python-distributions';

/**
 * Packages a service imports to train or track experiments, never to serve: left out of the
 * image. DVC's remote plugins (dvc-s3, dvc-gs, …) count as DVC.
 */
export const trainingOnlyPackages = [
  'clearml',
  'comet-ml',
  'dvc',
  'dvclive',
  'mlflow',
  'neptune',
  'optuna',
  'tensorboard',
  'tensorboardx',
  'wandb',
];

/** Installed into every Bento image by BentoML itself, at the version that builds it. */
export const providedPackages = ['bentoml'];

/** A requirement as a project declares it: `numpy==2.1.3`, `pillow>=10`, `torch; sys_platform=="linux"`. */
export interface DeclaredRequirement {
  /** Normalised name (PEP 503). */
  name: string;
  /** The line as written, without comments. */
  text: string;
  /** Where it was declared, e.g. apps/x/requirements.txt. */
  source: string;
}

export interface RuntimePackages {
  /** The python.packages entries, sorted: declared requirements as written, else name==installed version. */
  packages: string[];
  /** Distributions left out on purpose, with why. */
  leftOut: { name: string; reason: string }[];
  /** Imported modules no distribution was found for. */
  unmapped: string[];
}

/** PEP 503 normalisation: "Scikit_Learn" -> "scikit-learn". */
export function normalisePackageName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Whether a distribution (normalised name) serves training only. */
export function isTrainingOnly(name: string): boolean {
  return trainingOnlyPackages.includes(name) || name.startsWith('dvc-');
}

/**
 * The distributions a service needs at run time, from the modules it imports (`external`, dotted)
 * and what the interpreter said about them. Pins come from the project's declared requirements
 * (first declaration wins); a distribution declared nowhere is pinned to the installed version,
 * the one the service was run and its model saved with, so every build of the Bento installs the
 * same packages. Without an interpreter answer, an import whose name is a declared requirement's
 * name (numpy, pandas) still maps to it.
 */
export function runtimePackages(
  external: string[],
  inspection: PythonInspection | undefined,
  requirements: DeclaredRequirement[],
): RuntimePackages {
  const declared = new Map<string, DeclaredRequirement>();
  for (const requirement of requirements) if (!declared.has(requirement.name)) declared.set(requirement.name, requirement);

  const installed = new Map<string, string>();
  const leftOut = new Map<string, string>();
  const unmapped = new Set<string>();
  for (const module of external) {
    const top = module.split('.')[0];
    const answer = inspection?.modules[module];
    if (answer && 'stdlib' in answer) continue;
    let distributions = answer?.distributions ?? [];
    if (distributions.length === 0 && declared.has(normalisePackageName(top))) {
      distributions = [{ name: normalisePackageName(top), version: '' }];
    }
    if (distributions.length === 0) {
      if (isTrainingOnly(normalisePackageName(top))) leftOut.set(normalisePackageName(top), 'training only');
      else if (!providedPackages.includes(normalisePackageName(top))) unmapped.add(top);
      continue;
    }
    for (const { name, version } of distributions) {
      if (isTrainingOnly(name)) leftOut.set(name, 'training only');
      else if (providedPackages.includes(name)) leftOut.set(name, 'installed by BentoML');
      else if (!installed.has(name) || version) installed.set(name, version);
    }
  }
  const packages = [...installed].map(([name, version]) => declared.get(name)?.text ?? (version ? `${name}==${version}` : name));
  return {
    packages: [...new Set(packages)].sort(),
    leftOut: [...leftOut].map(([name, reason]) => ({ name, reason })).sort((a, b) => a.name.localeCompare(b.name)),
    unmapped: [...unmapped].sort(),
  };
}

/** A distribution a service's models need (lib/bentoml/model-frameworks.ts): its version as the model records it, else ''. */
export interface NeededPackage {
  name: string;
  version: string;
  /** The module the interpreter was asked about for the installed version. */
  module: string;
}

/**
 * `packages` (runtimePackages' entries) with the distributions the service's models need: a
 * declared requirement stays as written, else the version the model records, else the installed
 * one (the interpreter's answer for the need's module), else the bare name.
 */
export function withModelPackages(
  packages: string[],
  needs: NeededPackage[],
  inspection: PythonInspection | undefined,
  requirements: DeclaredRequirement[],
): string[] {
  const byName = new Map(packages.map((entry) => [requirementName(entry), entry]));
  for (const need of needs) {
    const declared = requirements.find((requirement) => requirement.name === need.name);
    const answer = inspection?.modules[need.module];
    const installed =
      answer && 'distributions' in answer ? answer.distributions.find((found) => found.name === need.name)?.version : undefined;
    const version = need.version || installed;
    byName.set(need.name, declared?.text ?? (version ? `${need.name}==${version}` : need.name));
  }
  return [...new Set(byName.values())].sort();
}

/** The normalised name a requirement line starts with: "Pillow>=10" is "pillow". */
export function requirementName(entry: string): string {
  return normalisePackageName(/^[A-Za-z0-9._-]+/.exec(entry)?.[0] ?? entry);
}

/**
 * The requirements of a requirements*.txt: one per line; comments, blank lines, options (-r, -e,
 * --index-url) and bare URLs or paths are skipped.
 */
export function parseRequirementsTxt(text: string, source: string): DeclaredRequirement[] {
  return text.split(/\r?\n/).flatMap((raw) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    const requirement = line && !line.startsWith('-') ? parseRequirement(line, source) : undefined;
    return requirement ? [requirement] : [];
  });
}

/** `[project].dependencies` of a parsed pyproject.toml. */
export function pyprojectDependencies(data: unknown, source: string): DeclaredRequirement[] {
  const dependencies = (data as { project?: { dependencies?: unknown } })?.project?.dependencies;
  if (!Array.isArray(dependencies)) return [];
  return dependencies.flatMap((entry) => {
    const requirement = typeof entry === 'string' ? parseRequirement(entry.trim(), source) : undefined;
    return requirement ? [requirement] : [];
  });
}

function parseRequirement(text: string, source: string): DeclaredRequirement | undefined {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~;@(]|$)/.exec(text);
  return match ? { name: normalisePackageName(match[1]), text, source } : undefined;
}
