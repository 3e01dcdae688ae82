export interface PublishExecutorSchema {
  pushPath: string;
  registry?: string;
}
