// Copies what tsc does not emit (manifests, schemas, generator templates, helper programs) into the built package.
const { cpSync, readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const packageRoot = __dirname;
const outDir = join(packageRoot, '../../dist/packages/nx-bentoml');

for (const file of ['package.json', 'generators.json', 'executors.json']) {
  cpSync(join(packageRoot, file), join(outDir, file));
}
// The workspace README documents the plugin; it is the package's README too.
cpSync(join(packageRoot, '../../README.md'), join(outDir, 'README.md'));

// Helper programs run by path: Python, and plain-Node JavaScript with its hand-written types.
function isHelperProgram(name) {
  return name.endsWith('.py') || name.endsWith('.js') || name.endsWith('.d.ts');
}

function copyAssets(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry === 'files') cpSync(path, join(outDir, relative(packageRoot, path)), { recursive: true });
      else copyAssets(path);
    } else if (entry === 'schema.json' || isHelperProgram(entry)) {
      cpSync(path, join(outDir, relative(packageRoot, path)));
    }
  }
}
copyAssets(join(packageRoot, 'src'));
