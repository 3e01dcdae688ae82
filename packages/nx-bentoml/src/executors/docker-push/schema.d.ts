export interface DockerPushExecutorSchema {
  imagePath: string;
  outputPath: string;
  registry?: string;
  username?: string;
  passwordEnv?: string;
  retries?: number;
}
