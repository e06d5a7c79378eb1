// The supported Node.js range is the one the runtime dependencies really need, and the check
// that refuses other versions reads it correctly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { satisfiesRange, SUPPORTED_NODE, unsupportedNodeMessage } from '../../src/node-version.ts';
import { runtimePackages } from '../../scripts/runtime-deps.ts';
import { ROOT } from '../support/harness.ts';

test('the range check reads the forms used in engines fields', () => {
  for (const [version, range, expected] of [
    ['22.22.2', SUPPORTED_NODE, true],
    ['22.22.1', SUPPORTED_NODE, false],
    ['22.19.0', SUPPORTED_NODE, false],
    ['23.11.0', SUPPORTED_NODE, false],
    ['24.14.9', SUPPORTED_NODE, false],
    ['24.15.0', SUPPORTED_NODE, true],
    ['25.2.0', SUPPORTED_NODE, false],
    ['26.0.0', SUPPORTED_NODE, true],
    ['20.20.2', SUPPORTED_NODE, false],
    ['20.20.2', '>= 18', true],
    ['18.0.0', '>=18.18.0', false],
    ['12.0.0', '>= 10.x', true],
    ['v24.21.0', '>=22.19.0', true],
  ] as const) {
    assert.equal(satisfiesRange(version, range), expected, `${version} in ${range}`);
  }
});

test('an unsupported Node.js gets a refusal that names the version found, the range and the fix', () => {
  assert.equal(unsupportedNodeMessage('24.15.0'), undefined);
  const message = unsupportedNodeMessage('20.20.2', '/usr/bin/node') ?? '';
  assert.match(message, /v20\.20\.2 \(\/usr\/bin\/node\)/);
  assert.ok(message.includes(SUPPORTED_NODE));
  assert.match(message, /Install Node\.js 24/);
});

test('package.json engines is the supported range, and every runtime dependency accepts its lowest versions', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.engines.node, SUPPORTED_NODE);
  // The lowest version of each alternative (22.22.2, 24.15.0, 26.0.0) must satisfy every
  // dependency's own engines.node, transitively.
  const floors = SUPPORTED_NODE.split('||').map((part) => part.replace(/[\^>=\s]/g, ''));
  const packages = runtimePackages(ROOT, { withBundled: true });
  assert.ok(packages.length > 20, 'the whole runtime tree was walked');
  const refused = packages.flatMap((found) =>
    floors.filter((floor) => found.engines && !satisfiesRange(floor, found.engines)).map((floor) => `${found.name}@${found.version} (${found.engines}) refuses ${floor}`),
  );
  assert.deepEqual(refused, []);
});
