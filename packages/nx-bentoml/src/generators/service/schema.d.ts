export interface ServiceGeneratorSchema {
  name: string;
  directory?: string;
  serviceClass?: string;
  modelName?: string;
  pythonVersion?: string;
  pythonPackages?: string[];
  baseImage?: string;
  imageName?: string;
  registry?: string;
  tags?: string[];
  skipFormat?: boolean;
}
