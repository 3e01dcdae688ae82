// Copies what tsc does not emit (manifests, schemas, generator templates, Python helpers) into the built package.
const { cpSync, readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const packageRoot = __dirname;
const outDir = join(packageRoot, '../../dist/packages/nx-bentoml');

for (const file of ['package.json', 'generators.json', 'executors.json']) {
  cpSync(join(packageRoot, file), join(outDir, file));
}
// The workspace README documents the plugin; it is the package's README too.
cpSync(join(packageRoot, '../../README.md'), join(outDir, 'README.md'));

function copyAssets(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry === 'files') cpSync(path, join(outDir, relative(packageRoot, path)), { recursive: true });
      else copyAssets(path);
    } else if (entry === 'schema.json' || entry.endsWith('.py')) {
      cpSync(path, join(outDir, relative(packageRoot, path)));
    }
  }
}
copyAssets(join(packageRoot, 'src'));
