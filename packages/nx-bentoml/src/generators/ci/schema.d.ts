export interface CiGeneratorSchema {
  name?: string;
  registry?: string;
  usernameSecret?: string;
  passwordSecret?: string;
  nodeVersion?: string;
  pythonVersion?: string;
  requirements?: string;
  parallel?: number;
  runners?: number;
  remoteCache?: boolean;
  force?: boolean;
  skipFormat?: boolean;
}
