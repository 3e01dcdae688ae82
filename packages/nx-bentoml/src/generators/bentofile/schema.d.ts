export interface BentofileGeneratorSchema {
  project?: string;
  directory?: string;
  format?: 'bentofile' | 'pyproject';
  service?: string;
  include?: string[];
  pythonPackages?: string[];
  pythonVersion?: string;
  python?: string;
  baseImage?: string;
  force?: boolean;
  skipFormat?: boolean;
}
