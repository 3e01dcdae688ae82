export interface ContainerizeExecutorSchema {
  bentoPath: string;
  outputPath: string;
  imageName?: string;
  tags?: string[];
  labels?: Record<string, string>;
  dockerfile?: string;
  builder?: 'auto' | 'buildkit' | 'classic';
  python?: string;
  modelFiles?: string[];
}
