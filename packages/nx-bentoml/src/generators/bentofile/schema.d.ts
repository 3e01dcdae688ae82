export interface BentofileGeneratorSchema {
  project: string;
  directory?: string;
  service?: string;
  include?: string[];
  pythonPackages?: string[];
  pythonVersion?: string;
  baseImage?: string;
  force?: boolean;
  skipFormat?: boolean;
}
