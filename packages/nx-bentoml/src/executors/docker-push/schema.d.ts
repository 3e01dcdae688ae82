export interface DockerPushExecutorSchema {
  imagePath: string;
  outputPath: string;
  registry?: string;
  registries?: string[];
  force?: boolean;
  username?: string;
  passwordEnv?: string;
  retries?: number;
}
