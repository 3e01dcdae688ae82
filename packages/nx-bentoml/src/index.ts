export { createNodes, createNodesV2 } from './plugins/plugin';
export type { BentomlPluginOptions } from './plugins/options';
