export { createNodes, createNodesV2 } from './plugins/plugin';
export { createDependencies } from './plugins/dependencies';
export type { BentomlPluginOptions } from './plugins/options';
