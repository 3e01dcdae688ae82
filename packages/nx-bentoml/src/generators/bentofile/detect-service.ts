/**
 * Finds the class decorated with @bentoml.service (or @service imported from bentoml) in Python
 * source. Decorator arguments may span lines; other decorators may sit in between.
 */
export function detectServiceClass(source: string): string | undefined {
  const match = /^@(?:bentoml\.)?service\b[\s\S]*?^class\s+([A-Za-z_]\w*)/m.exec(source);
  return match?.[1];
}
