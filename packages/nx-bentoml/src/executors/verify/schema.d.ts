export interface VerifyExecutorSchema {
  /** Directory where containerize wrote image.json: the image name and its tags. */
  imagePath: string;
  /** Directory where bento-build wrote bento.json: the inputs --materials compares. */
  bentoPath: string;
  /** Directory that receives verify.json. */
  outputPath: string;
  /** The public key (PEM) to check the signatures with; by default NX_BENTOML_VERIFY_KEY. */
  key?: string;
  /** Registries to check; by default every registry of the docker-push target's options. */
  registry?: string;
  registries?: string[];
  imageName?: string;
  /** Tags to check; by default the tags containerize gave the image. */
  tags?: string[];
  /** One digest to check instead of the tags. */
  digest?: string;
  /** Also check that the provenance's input files are the workspace's files now. */
  materials?: boolean;
  /** Print the report (verify.json) on stdout. */
  json?: boolean;
  username?: string;
  passwordEnv?: string;
}
