// The API documentation in a real browser: every endpoint is shown, and nothing is fetched
// from anywhere but the portal itself.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, screenshotPath, startLyre } from "./harness.mjs";

let lyre;
let browser;

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

test("Swagger UI shows every endpoint of /api/v1 and /openapi/v1 without leaving the machine", async () => {
  const doc = await (await fetch(`${lyre.url}/openapi.json`)).json();
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
  assert.ok(operations.some((o) => o.startsWith("POST /openapi/v1/")), "the Open API is documented");
  assert.ok(operations.some((o) => o.startsWith("POST /api/v1/release-requests")), "the portal API is documented");

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requested = [];
  page.on("request", (r) => requested.push(r.url()));
  await page.goto(`${lyre.url}/swagger-ui/`);
  await page.locator(".opblock").first().waitFor();
  // Every tag section starts expanded; wait until all operations are rendered.
  await page.waitForFunction((n) => document.querySelectorAll(".opblock").length >= n, operations.length);

  const shown = await page.$$eval(".opblock", (blocks) =>
    blocks.map((b) => {
      const method = b.querySelector(".opblock-summary-method")?.textContent?.trim();
      const path = b.querySelector(".opblock-summary-path")?.getAttribute("data-path");
      return `${method} ${path}`;
    }),
  );
  assert.deepEqual(new Set(shown), new Set(operations));
  await page.screenshot({ path: screenshotPath("swagger-ui") });

  const origin = new URL(lyre.url).origin;
  const elsewhere = requested.filter((url) => !url.startsWith(origin) && !url.startsWith("data:"));
  assert.deepEqual(elsewhere, [], "no request leaves the machine");
  await context.close();
});
