export interface BentoBuildExecutorSchema {
  bentofile: string;
  outputPath: string;
  python?: string;
  modelFiles?: string[];
  metricsFile?: string;
}
