// Fails when two files differ: used to check that the generated API types are current.
import { readFileSync, rmSync } from "node:fs";

const [committed, fresh] = process.argv.slice(2);
const same = readFileSync(committed, "utf8") === readFileSync(fresh, "utf8");
rmSync(fresh, { force: true });
if (!same) {
  console.error(
    `${committed} is stale: run \`npm run gen:api\` in portal-ui/ after changing the portal's API.`,
  );
  process.exit(1);
}
console.log(`${committed} matches the portal's OpenAPI document.`);
