export interface BentoBuildExecutorSchema {
  /** The directory BentoML builds; defaults to the bentofile's directory. */
  buildDir?: string;
  /** bentofile.yaml or pyproject.toml; without it BentoML's own lookup in buildDir. */
  bentofile?: string;
  outputPath: string;
  python?: string;
  modelFiles?: string[];
  metricsFile?: string;
  /** Replaces the base image the build config or the service's bentoml.images.Image names. */
  baseImage?: string;
}
