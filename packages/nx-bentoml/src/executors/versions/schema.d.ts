export interface VersionsExecutorSchema {
  /** Directory where containerize wrote image.json: the image name, unless imageName is given. */
  imagePath: string;
  /** Directory that receives versions.json. */
  outputPath: string;
  imageName?: string;
  registry?: string;
  json?: boolean;
  /** Two versions (tags or digests), "a,b": show the params and metrics that differ. */
  compare?: string;
  username?: string;
  passwordEnv?: string;
}
