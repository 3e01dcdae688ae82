export interface SmokeTestExecutorSchema {
  imagePath: string;
  /** Where gate.json is written; by default dist/<projectRoot>/smoke-test. */
  outputPath?: string;
  sampleRequest?: string;
  port?: number;
  publishAddress?: string;
  readinessTimeoutSeconds?: number;
}
