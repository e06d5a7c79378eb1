// Release guard (.github/workflows/release.yml): the pushed tag must be v<version> of package.json,
// and manifest.json must carry the same version, so what npm publishes is what the tag names.
//   GITHUB_REF_NAME=v0.1.0 node scripts/check-release-tag.ts
import { readFileSync } from 'node:fs';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')) as { version: string };
const tag = process.env.GITHUB_REF_NAME ?? '';
const { version } = read('package.json');
const manifest = read('manifest.json').version;
const problems = [
  ...(tag === `v${version}` ? [] : [`the tag "${tag}" does not match package.json's version ${version}: tag v${version}, or bump the version and tag again`]),
  ...(manifest === version ? [] : [`manifest.json's version ${manifest} differs from package.json's ${version}: make them equal`]),
];
for (const problem of problems) console.error(`::error::${problem}`);
if (problems.length > 0) process.exit(1);
console.log(`releasing ${version}`);
