export interface PromoteExecutorSchema {
  /** The tag to point at the version, e.g. "production". */
  to: string;
  /** A tag or digest the registry holds; by default the digest the project's last docker-push published. */
  from?: string;
  registry?: string;
  /** Another registry to copy the version to, under the same image name. */
  toRegistry?: string;
  imageName?: string;
  /** Directory where containerize wrote image.json (the image name). */
  imagePath: string;
  /** Directory where docker-push wrote push.json (the default version). */
  pushPath: string;
  /** Directory that receives promote.json. */
  outputPath: string;
  username?: string;
  passwordEnv?: string;
}
