export interface PublishExecutorSchema {
  pushPath: string;
  registry?: string;
  registries?: string[];
  force?: boolean;
  gate?: boolean;
}
