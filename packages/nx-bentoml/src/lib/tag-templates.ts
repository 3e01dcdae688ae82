import { UserError } from './errors';
import { assertDockerTag } from './names';

export interface TagValues {
  bentoVersion: string;
  gitSha?: string;
  branch?: string;
  /** The moment of the build; {date} renders it as YYYYMMDD in UTC. */
  now: Date;
}

export const defaultTagTemplates = ['{bentoVersion}', 'latest'];

/**
 * Renders tag templates such as "{bentoVersion}", "{gitShortSha}", "{branch}-{date}" or "latest"
 * into valid, distinct Docker tags.
 */
export function renderTags(templates: string[], values: TagValues): string[] {
  const available: Record<string, string | undefined> = {
    bentoVersion: values.bentoVersion,
    gitSha: values.gitSha,
    gitShortSha: values.gitSha?.slice(0, 7),
    // Branch names may hold "/" and other characters tags cannot.
    branch: values.branch?.replace(/[^\w.-]+/g, '-').replace(/^[.-]+/, ''),
    date: values.now.toISOString().slice(0, 10).replace(/-/g, ''),
  };
  const tags = templates.map((template) => {
    const tag = template.replace(/\{(\w+)\}/g, (_match, name: string) => {
      if (!(name in available)) {
        throw new UserError(`Unknown placeholder {${name}} in the tag "${template}". Use {${Object.keys(available).join('}, {')}}.`);
      }
      const value = available[name];
      if (!value)
        throw new UserError(
          `The tag "${template}" needs {${name}}, which is unknown here (no git ${name === 'branch' ? 'branch' : 'commit'}). Use another tag.`,
        );
      return value;
    });
    assertDockerTag(tag);
    return tag;
  });
  return [...new Set(tags)];
}

/** Checks tag templates before any value is known (in generators): placeholders and the characters around them. */
export function assertTagTemplates(templates: string[]): void {
  renderTags(templates, { bentoVersion: 'nx0', gitSha: '0'.repeat(40), branch: 'main', now: new Date(0) });
}
