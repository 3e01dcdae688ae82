// What every benchmark script shares: reading numeric settings and logging with elapsed time.

/** A positive integer from the environment, or `fallback`; anything else stops the benchmark. */
export function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a positive integer, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

/** A logger to stderr that prefixes each line with `name` and the seconds since `started`. */
export function createLog(name, started) {
  return (message) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(7);
    process.stderr.write(`[${name} ${seconds}s] ${message}\n`);
  };
}
