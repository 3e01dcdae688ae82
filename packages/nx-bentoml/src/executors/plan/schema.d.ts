export interface PlanExecutorSchema {
  bentoPath: string;
  outputPath: string;
  registry?: string;
  registries?: string[];
  username?: string;
  passwordEnv?: string;
  json?: boolean;
}
