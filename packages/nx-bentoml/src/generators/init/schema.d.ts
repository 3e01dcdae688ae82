export interface InitGeneratorSchema {
  bentoBuildTargetName?: string;
  containerizeTargetName?: string;
  dockerPushTargetName?: string;
  publishTargetName?: string;
  serveTargetName?: string;
  smokeTestTargetName?: string;
  versionsTargetName?: string;
  promoteTargetName?: string;
  planTargetName?: string;
  verifyTargetName?: string;
  skipFormat?: boolean;
  keepExistingVersions?: boolean;
}
