export interface SmokeTestExecutorSchema {
  imagePath: string;
  sampleRequest?: string;
  port?: number;
  publishAddress?: string;
  readinessTimeoutSeconds?: number;
}
