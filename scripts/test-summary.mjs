// Adds up the jest results every package wrote (.jest-results.json) into one closing line,
// so a reader of the CI log sees the whole count without scrolling through each package.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const pkg of readdirSync('packages')) {
  const file = join('packages', pkg, '.jest-results.json');
  if (!existsSync(file)) {
    missing.push(pkg);
    continue;
  }
  const results = JSON.parse(readFileSync(file, 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests + results.numRuntimeErrorTestSuites;
  skipped += results.numPendingTests + results.numTodoTests;
  if (results.numFailedTests + results.numRuntimeErrorTestSuites > 0) console.log(`failures in packages/${pkg}`);
}
if (missing.length) console.log(`no jest results from: ${missing.join(', ')}`);
console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || missing.length > 0 ? 1 : 0;
