import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generateTypes } from '../codegen.ts';

// Usage: DATABASE_URL=<a migrated database> pnpm --filter @mfiq/db codegen
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set: point it at a migrated database.');
  process.exit(2);
}
const client = new pg.Client({ connectionString: url });
await client.connect();
const source = await generateTypes(client);
await client.end();
await writeFile(fileURLToPath(new URL('../generated/db.ts', import.meta.url)), source);
console.log('wrote src/generated/db.ts');
