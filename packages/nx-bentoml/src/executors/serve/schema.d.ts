export interface ServeExecutorSchema {
  /** The directory BentoML builds; defaults to the bentofile's directory. */
  buildDir?: string;
  /** bentofile.yaml or pyproject.toml; without it BentoML's own lookup in buildDir. */
  bentofile?: string;
  python?: string;
  host?: string;
  port?: number;
  modelFiles?: string[];
}
