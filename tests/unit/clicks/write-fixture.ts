/**
 * Writes tests/fixtures/clicks/ from the simulator: `npx tsx tests/unit/clicks/write-fixture.ts`.
 * `fixture.test.ts` checks that the committed files are what this writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR, fixtureFiles } from './fixture.ts';

mkdirSync(FIXTURE_DIR, { recursive: true });
for (const [name, text] of Object.entries(fixtureFiles())) {
  writeFileSync(join(FIXTURE_DIR, name), text);
  console.log(`wrote ${join(FIXTURE_DIR, name)}`);
}
