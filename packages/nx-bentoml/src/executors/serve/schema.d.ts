export interface ServeExecutorSchema {
  bentofile: string;
  python?: string;
  host?: string;
  port?: number;
  modelFiles?: string[];
}
