// Writes the JSON Schema of every documented payload, as exported by the built package
// (dist/payloads/index.js), to <dir>/<name>.schema.json. Usage (after `npm run build:ts`):
//   node scripts/write-schemas.mjs [dir]      (default dir: schemas/ beside package.json)
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const { PAYLOAD_SCHEMAS } = await import(new URL("../dist/payloads/index.js", import.meta.url).href);
const dir = process.argv[2] ? resolve(process.argv[2]) : fileURLToPath(new URL("../schemas/", import.meta.url));
mkdirSync(dir, { recursive: true });
for (const [name, schema] of Object.entries(PAYLOAD_SCHEMAS)) {
  const file = resolve(dir, `${name}.schema.json`);
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(file);
}
