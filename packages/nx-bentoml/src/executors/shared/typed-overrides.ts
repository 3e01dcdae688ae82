import dockerPushSchema from '../docker-push/schema.json';

/**
 * A task's command-line options as docker-push's schema types them. Nx types an executor's own
 * options, but hands another task's overrides as parsed: `--gate=false` is the string "false".
 */
export function typedPushOptions(overrides: Record<string, unknown>): Record<string, unknown> {
  const typed = { ...overrides };
  for (const [name, property] of Object.entries(dockerPushSchema.properties as Record<string, { type: string }>)) {
    const value = typed[name];
    if (typeof value !== 'string') continue;
    if (property.type === 'boolean' && (value === 'true' || value === 'false')) typed[name] = value === 'true';
    if (property.type === 'number' && value.trim() !== '' && Number.isFinite(Number(value))) typed[name] = Number(value);
    if (property.type === 'array') typed[name] = value.split(',').filter(Boolean);
  }
  return typed;
}
