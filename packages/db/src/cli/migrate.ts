import { migrate } from '../migrate.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set: it must name the owner connection (the role that owns the schema).');
  process.exit(2);
}
migrate(url, (line) => console.log(line))
  .then((applied) => console.log(applied.length ? `${applied.length} migration(s) applied` : 'schema is current'))
  .catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
