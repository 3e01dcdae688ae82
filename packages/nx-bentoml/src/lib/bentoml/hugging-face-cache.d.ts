// Types of hugging-face-cache.js, a plain CommonJS module so that Node runs it without a build.

/** The hub cache directory for an environment, in the order BentoML and huggingface_hub look. */
export function huggingFaceHubCache(env?: Record<string, string | undefined>, home?: string): string;
/** The order in words, for messages. */
export const huggingFaceHubCacheOrder: string;
/** "~" as huggingface_hub expands it (os.path.expanduser). */
export function expandHome(path: string, home: string): string;
