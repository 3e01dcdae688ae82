export interface DockerPushExecutorSchema {
  imagePath: string;
  outputPath: string;
  /** Where bento-build wrote bento.json and smoke-test wrote gate.json: what the signed statements describe. */
  bentoPath?: string;
  smokeTestPath?: string;
  registry?: string;
  registries?: string[];
  force?: boolean;
  username?: string;
  passwordEnv?: string;
  retries?: number;
  /** Read by the smoke-test task this push depends on (the gate); false pushes without testing. */
  gate?: boolean;
}
