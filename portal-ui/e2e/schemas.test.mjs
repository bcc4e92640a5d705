// A namespace's schema in a real browser: set it, choose how DEV checks publishes, and see the
// publish dialog say what does not fit before its button, refused when enforced.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, launchBrowser, newPage, screenshotPath, signIn, startLyre, schemaHash } from "./harness.mjs";

let lyre;
let browser;
let admin;

const SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: {
    db: {
      type: "object",
      properties: { url: { type: "string" }, pool_size: { type: "integer", format: "uint16", minimum: 1 } },
      required: ["url", "pool_size"],
    },
  },
  required: ["db"],
};

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
  await admin.call("POST", "/api/v1/apps", { appId: "shop", name: "Shop" });
  const ns = "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/application";
  await admin.call("POST", `${ns}/items`, { key: "db.url", value: "postgres://db/shop" });
  await admin.call("POST", `${ns}/items`, { key: "db.pool-size", value: "1O" });
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

test("a master sets the schema and DEV's mode; the publish dialog says what does not fit, and an enforced schema refuses", async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);
  const nsPage = `${lyre.url}/apps/shop/envs/DEV/clusters/default/namespaces/application`;
  await page.goto(`${nsPage}?tab=schema`);
  await page.getByText("No schema yet: publishes are not checked.").waitFor();

  // A schema that is not JSON is refused in place; a good one becomes version 1.
  await page.getByTestId("schema-text").fill("{ not json");
  await page.getByRole("button", { name: "Set schema" }).click();
  await page.getByRole("alert").filter({ hasText: "That is not JSON" }).waitFor();
  await page.getByTestId("schema-text").fill(JSON.stringify(SCHEMA, null, 2));
  await page.getByRole("button", { name: "Set schema" }).click();
  await page.getByTestId("schema-current").filter({ hasText: "Version 1, set by admin" }).waitFor();
  await page.getByTestId("schema-history").getByRole("cell", { name: "1", exact: true }).waitFor();

  // DEV enforces it.
  await page.getByTestId("schema-mode").selectOption("enforce");
  await page.getByText("now checks application against its schema: enforce").waitFor();
  await page.screenshot({ path: screenshotPath("schema-tab"), fullPage: true });

  // The items tab marks the key that does not fit.
  await page.goto(`${nsPage}?tab=items`);
  await page.getByTestId("unfit-db.pool-size").filter({ hasText: '"1O" is not of type "integer"' }).waitFor();
  // The item dialog says what the value would not fit as it is typed.
  await page.getByTestId("item-db.pool-size").getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("dialog", { name: "Edit db.pool-size" });
  await edit.getByLabel("Value").fill("many");
  await edit.getByTestId("item-schema-problems").filter({ hasText: '"many" is not of type "integer"' }).waitFor();
  await edit.getByLabel("Value").fill("12");
  await edit.getByTestId("item-schema-problems").waitFor({ state: "detached" });
  await edit.getByRole("button", { name: "Cancel" }).click();

  // The publish dialog says what does not fit before the button; publishing is refused.
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Publish application" });
  const verdict = dialog.getByTestId("schema-verdict");
  await verdict.filter({ hasText: "which DEV enforces" }).waitFor();
  assert.match(await verdict.innerText(), /db\.pool-size\s+"1O" is not of type "integer"/);
  await page.screenshot({ path: screenshotPath("schema-publish-refused"), fullPage: true });
  await dialog.getByLabel("Release title").fill("pool");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await dialog.getByRole("alert").filter({ hasText: "does not fit its schema" }).waitFor();
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // In warn mode it goes out, and the dialog said so first.
  await page.goto(`${nsPage}?tab=schema`);
  await page.getByTestId("schema-mode").selectOption("warn");
  await page.getByText("now checks application against its schema: warn").waitFor();
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await dialog.getByTestId("schema-verdict").filter({ hasText: "DEV publishes it anyway" }).waitFor();
  await dialog.getByLabel("Release title").fill("pool, warned");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await page.getByText("Published “pool, warned”.").waitFor();

  // The text editor says what would not fit as it is typed, with the key's line.
  await page.goto(`${nsPage}?tab=text`);
  const editor = page.getByTestId("code-editor");
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText("db.url = postgres://db/shop\ndb.pool-size = many\n");
  const unfit = page.getByTestId("text-schema-problems");
  await unfit.filter({ hasText: "db.pool-size" }).waitFor();
  assert.match(await unfit.innerText(), /db\.pool-size\s+\(line 2\)\s+"many" is not of type "integer"/);
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText("db.url = postgres://db/shop\ndb.pool-size = 12\n");
  await unfit.waitFor({ state: "detached" });
  await context.close();
});

test("the instances tab says which schema each instance's typed view was built with, and whether it could use its release", async () => {
  // Three instances read the release: one built with version 1 of the schema, one with a
  // schema never pushed, and an Apollo client that names none.
  const read = async (ip, hash) => {
    const url = `${lyre.configUrl}/configs/shop/default/application?ip=${ip}${hash ? `&schemaHash=${hash}` : ""}`;
    const answer = await fetch(url);
    assert.equal(answer.status, 200, await answer.text());
  };
  await read("10.0.0.1", schemaHash(SCHEMA));
  await read("10.0.0.2", "0123456789abcdef");
  await read("10.0.0.3");
  // Two of them say what they made of the release (as Lyre's SDK does).
  const latest = await admin.call("GET", "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/application/releases/latest");
  for (const [ip, status, reason] of [
    ["10.0.0.1", "applied", ""],
    ["10.0.0.2", "rejected", "invalid digit found in string for `db.pool_size`"],
  ]) {
    const answer = await fetch(`${lyre.configUrl}/reports`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        appId: "shop",
        cluster: "default",
        ip,
        reports: [{ namespaceName: "application", releaseKey: latest.releaseKey, status, reason }],
      }),
    });
    assert.equal(answer.status, 204, await answer.text());
  }

  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);
  await page.goto(`${lyre.url}/apps/shop/envs/DEV/clusters/default/namespaces/application?tab=instances`);
  const cell = (ip) => page.getByTestId(`instance-schema-${ip}`);
  // Instances are recorded a moment after they read.
  for (let i = 0; i < 50 && !(await cell("10.0.0.3").isVisible()); i++) {
    await page.waitForTimeout(200);
    await page.getByRole("button", { name: "Refresh" }).click();
  }
  await cell("10.0.0.1").filter({ hasText: "Version 1" }).filter({ hasText: "In force" }).waitFor();
  await cell("10.0.0.2").filter({ hasText: "Not pushed" }).waitFor();
  assert.equal((await cell("10.0.0.3").innerText()).trim(), "—");
  await page.getByTestId("instance-10.0.0.1").getByText("Applied", { exact: true }).waitFor();
  await page.getByTestId("instance-rejected-10.0.0.2").filter({ hasText: "invalid digit found in string" }).waitFor();
  await page.getByTestId("instance-10.0.0.2").getByText("Rejected", { exact: true }).waitFor();
  assert.equal(await page.getByTestId("instance-10.0.0.3").getByText(/Applied|Rejected/).count(), 0);

  // The history says, per release, how many hold it and what they made of it.
  await page.getByRole("tab", { name: "History" }).click();
  const reach = page.getByTestId(`adoption-${latest.id}`);
  await reach.filter({ hasText: "3 hold it" }).waitFor();
  assert.match(await reach.innerText(), /1 applied\s+1 rejected/);
  await page.getByTestId("adoption-summary").filter({ hasText: "3 instances read this namespace in the last day; 0 of them" }).waitFor();
  await page.getByRole("tab", { name: "Instances" }).click();

  // A newer schema pushed before the app is upgraded shows against the instance.
  await admin.call("PUT", "/api/v1/apps/shop/namespaces/application/schema", {
    document: { ...SCHEMA, description: "The shop's settings" },
  });
  await page.reload();
  await cell("10.0.0.1").filter({ hasText: "Version 2 is in force" }).waitFor();
  await page.screenshot({ path: screenshotPath("instances-schema"), fullPage: true });
  await context.close();
});

test("the gray publish dialog gives the branch's verdict, and an enforced schema refuses it", async () => {
  await admin.call("POST", "/api/v1/apps", { appId: "depot", name: "Depot" });
  const ns = "/api/v1/envs/DEV/apps/depot/clusters/default/namespaces/application";
  await admin.call("POST", `${ns}/items`, { key: "db.url", value: "postgres://db/depot" });
  await admin.call("POST", `${ns}/items`, { key: "db.pool-size", value: "5" });
  await admin.call("POST", `${ns}/releases`, { title: "fits" });
  await admin.call("PUT", "/api/v1/apps/depot/namespaces/application/schema", { document: SCHEMA });
  await admin.call("PUT", "/api/v1/envs/DEV/apps/depot/namespaces/application/schema/mode", { mode: "enforce" });
  const { branchName } = await admin.call("POST", `${ns}/branches`, {});
  await admin.call("PUT", `${ns}/branches/${branchName}/overrides/db.pool-size`, { value: "lots" });
  await admin.call("PUT", `${ns}/branches/${branchName}/rules`, { ruleItems: [{ clientAppId: "depot", clientIpList: ["10.0.0.9"] }] });

  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);
  await page.goto(`${lyre.url}/apps/depot/envs/DEV/clusters/default/namespaces/application?tab=gray`);
  await page.getByRole("button", { name: "Gray publish" }).click();
  const dialog = page.getByRole("dialog", { name: "Gray publish" });
  const verdict = dialog.getByTestId("schema-verdict");
  await verdict.filter({ hasText: "which DEV enforces" }).waitFor();
  assert.match(await verdict.innerText(), /db\.pool-size\s+"lots" is not of type "integer"/);
  await dialog.getByLabel("Release title").fill("lots");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await dialog.getByRole("alert").filter({ hasText: "does not fit its schema" }).waitFor();
  await page.screenshot({ path: screenshotPath("schema-gray-refused"), fullPage: true });
  await context.close();
});

test("yaml and json namespaces are checked by JSON pointer in the editor and at publish", async () => {
  const documents = {
    "settings.yaml": { format: "yaml", bad: "db:\n  url: x\n  pool_size: ten\n", good: "db:\n  url: x\n  pool_size: 10\n" },
    "settings.json": {
      format: "json",
      bad: '{\n  "db": { "url": "x", "pool_size": "ten" }\n}\n',
      good: '{\n  "db": { "url": "x", "pool_size": 10 }\n}\n',
    },
  };
  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);
  for (const [name, { format, bad, good }] of Object.entries(documents)) {
    await admin.call("POST", "/api/v1/apps/depot/appnamespaces", { name: "settings", format });
    await admin.call("PUT", `/api/v1/apps/depot/namespaces/${name}/schema`, { document: SCHEMA });
    await admin.call("PUT", `/api/v1/envs/DEV/apps/depot/namespaces/${name}/schema/mode`, { mode: "enforce" });
    const nsPage = `${lyre.url}/apps/depot/envs/DEV/clusters/default/namespaces/${name}`;

    // The editor names the value that does not fit by its JSON pointer as it is typed.
    await page.goto(`${nsPage}?tab=text`);
    const editor = page.getByTestId("code-editor");
    await editor.click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(bad);
    const unfit = page.getByTestId("text-schema-problems");
    await unfit.filter({ hasText: "/db/pool_size" }).waitFor();
    assert.match(await unfit.innerText(), /"ten" is not of type "integer"/, name);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText(`Saved ${name}.`).waitFor();

    // The publish dialog says so before its button, and the publish is refused.
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: `Publish ${name}` });
    await dialog.getByTestId("schema-verdict").filter({ hasText: "/db/pool_size" }).waitFor();
    await dialog.getByLabel("Release title").fill("ten");
    await dialog.getByRole("button", { name: "Publish" }).click();
    await dialog.getByRole("alert").filter({ hasText: "does not fit its schema" }).waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // Fixed, it goes out.
    await editor.click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(good);
    await unfit.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText(`Saved ${name}.`).waitFor();
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await dialog.getByLabel("Release title").fill("ten, as a number");
    await dialog.getByRole("button", { name: "Publish" }).click();
    await page.getByText("Published “ten, as a number”.").waitFor();
  }
  await context.close();
});
