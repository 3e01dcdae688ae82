export interface SmokeTestExecutorSchema {
  imagePath: string;
  sampleRequest?: string;
  port?: number;
  readinessTimeoutSeconds?: number;
}
