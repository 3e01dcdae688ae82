import { UserError } from './errors';

// Docker reference grammar (distribution/reference): path components separated by "/".
const imagePathComponent = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const dockerTag = /^[\w][\w.-]{0,127}$/;
// BentoML tag names (models and Bentos): lowercase alphanumerics, "-", "_", ".", at most 63 chars.
const bentoName = /^[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?$/;

export function assertImageName(name: string, option = 'imageName'): void {
  if (!name || !name.split('/').every((part) => imagePathComponent.test(part))) {
    throw new UserError(
      `Invalid ${option} "${name}": Docker image names use lowercase letters, digits and the separators ".", "_", "-" and "/" ` +
        `(for example "iris-classifier"). Choose a name like "${suggestImageName(name)}".`,
    );
  }
}

export function assertDockerTag(tag: string): void {
  if (!dockerTag.test(tag)) {
    throw new UserError(
      `Invalid image tag "${tag}": a tag is at most 128 letters, digits, "_", "." or "-" and must not start with "." or "-".`,
    );
  }
}

export function assertBentoName(name: string, option = 'modelName'): void {
  if (!bentoName.test(name)) {
    throw new UserError(
      `Invalid ${option} "${name}": BentoML names use lowercase letters, digits, "_", "-" and "." (at most 63, starting and ending ` +
        `with a letter or digit). Choose a name like "${toBentoName(name) || 'classifier_model'}".`,
    );
  }
}

/** "Iris Classifier" -> "iris_classifier" */
export function toBentoName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '_')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 63);
}

/** A Bento name as a Docker image name: "iris_classifier" -> "iris-classifier" */
export function toImageName(bentoName: string): string {
  return bentoName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** "iris-classifier" -> "IrisClassifier" */
export function toClassName(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('')
    .replace(/^(\d)/, '_$1');
}

function suggestImageName(name: string) {
  return toImageName(name) || 'classifier';
}
