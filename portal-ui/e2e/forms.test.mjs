// Forms from a namespace's schema in a real browser: one field per key, values refused in place,
// the server's check at the fields it names, and a save that writes exactly the text the Text mode
// would have written, so that a release from the form equals one from the text.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, createUser, launchBrowser, newPage, screenshotPath, signIn, startLyre } from "./harness.mjs";

let lyre;
let browser;
let admin;
let readerPassword;

const DEV = "/api/v1/envs/DEV/apps/shop/clusters";
const ns = (cluster, name = "application") => `${DEV}/${cluster}/namespaces/${name}`;

/** What schemars 1 writes for the shop's `Settings`: doc comments, a default, `$defs`. */
const SETTINGS = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "Settings",
  description: "Settings of the shop.",
  type: "object",
  properties: {
    db: { description: "Where the data is.", $ref: "#/$defs/Db" },
    mode: { description: "How requests are served.", $ref: "#/$defs/Mode" },
    hosts: { description: "Hosts that serve the shop.", type: "array", items: { type: "string" } },
    verbose: { description: "Log every request.", type: "boolean", default: false },
    timeout_secs: { description: "Seconds before a request gives up.", type: ["integer", "null"], format: "uint32", minimum: 0 },
  },
  required: ["db", "mode", "hosts"],
  $defs: {
    Db: {
      description: "A database.",
      type: "object",
      properties: {
        url: { description: "The JDBC url.", type: "string" },
        pool_size: { description: "Connections in the pool.", type: "integer", format: "uint16", minimum: 1, maximum: 64, default: 8 },
      },
      required: ["url"],
    },
    Mode: {
      description: "How requests are served.",
      oneOf: [
        { description: "Answer at once.", type: "string", const: "fast" },
        { description: "Check twice.", type: "string", const: "safe" },
      ],
    },
  },
};

const TEXT = "db.url = postgres://db/shop\ndb.pool-size = 8\nmode = fast\nhosts = a, b\nlegacy.flag = on\n";
// The text the Text mode would hold after the same edit: each line in its place with its key as
// written, the list still comma separated, the new key after the last item.
const EDITED = "db.url = postgres://db/shop\ndb.pool-size = 12\nmode = safe\nhosts = a2, b, c\nlegacy.flag = on\nverbose = true\n";

const LIMITS = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "Limits",
  type: "object",
  properties: {
    name: { type: "string" },
    rate: { $ref: "#/$defs/Rate" },
    regions: { type: "array", items: { $ref: "#/$defs/Region" } },
    enabled: { type: "boolean", default: false },
  },
  required: ["name", "rate"],
  $defs: {
    Rate: {
      type: "object",
      properties: {
        per_second: { description: "Requests a second.", type: "integer", format: "uint32", maximum: 1000 },
        burst: { type: ["integer", "null"], format: "uint16" },
      },
      required: ["per_second"],
    },
    Region: { type: "string", enum: ["eu", "us"] },
  },
};

const LIMITS_TEXT = JSON.stringify({ name: "shop", rate: { per_second: 10 }, extra: true }, null, 2);

const POOLS = {
  type: "object",
  properties: {
    pool: { $ref: "#/$defs/Pool" },
    mode: { anyOf: [{ $ref: "#/$defs/Mode" }, { type: "null" }] },
  },
  required: ["pool"],
  $defs: {
    Pool: {
      type: "object",
      properties: { min: { type: "integer", format: "uint8" }, max: { type: "integer", format: "uint8" } },
      required: ["min", "max"],
    },
    Mode: { type: "string", enum: ["fast", "safe"] },
  },
};

const POOLS_TEXT = "# shop's pools\npool:\n  min: 2 # at least\n  max: 20\nowner: ops\n";

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
  await admin.call("POST", "/api/v1/apps", { appId: "shop", name: "Shop" });
  readerPassword = await createUser(admin, "bob", "Bob Reader");
  await admin.call("POST", "/api/v1/apps/shop/appnamespaces", { name: "limits", format: "json" });
  for (const [key, value] of [
    ["db.url", "postgres://db/shop"],
    ["db.pool-size", "8"],
    ["mode", "fast"],
    ["hosts", "a, b"],
    ["legacy.flag", "on"],
  ]) {
    await admin.call("POST", `${ns("default")}/items`, { key, value });
  }
  // A second cluster of DEV, where the same edit is made through the text.
  await admin.call("POST", "/api/v1/envs/DEV/apps/shop/clusters", { name: "mirror" });
  await admin.call("PUT", `${ns("mirror")}/text`, { text: TEXT, comment: "as default" });
  await admin.call("PUT", "/api/v1/apps/shop/namespaces/application/schema", { document: SETTINGS });
  await admin.call("PUT", "/api/v1/envs/DEV/apps/shop/namespaces/application/schema/mode", { mode: "enforce" });
  await admin.call("PUT", `${ns("default", "limits.json")}/text`, { text: LIMITS_TEXT, comment: "first limits" });
  await admin.call("PUT", "/api/v1/apps/shop/namespaces/limits.json/schema", { document: LIMITS });
  await admin.call("POST", "/api/v1/apps/shop/appnamespaces", { name: "pools", format: "yaml" });
  await admin.call("PUT", `${ns("default", "pools.yaml")}/text`, { text: POOLS_TEXT, comment: "first pools" });
  await admin.call("PUT", "/api/v1/apps/shop/namespaces/pools.yaml/schema", { document: POOLS });
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

test("a properties namespace edited through its form saves the text the Text mode would, and publishes the same release", async () => {
  assert.equal((await admin.call("GET", `${ns("default")}/text`)).text, TEXT);
  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);
  const nsPage = `${lyre.url}/apps/shop/envs/DEV/clusters/default/namespaces/application`;
  await page.goto(`${nsPage}?tab=form`);
  await page.getByRole("tabpanel", { name: "Form" }).getByTestId("schema-form").waitFor();
  assert.equal(await page.getByRole("tab", { name: "Form" }).getAttribute("aria-selected"), "true");

  // One field per key, with the doc comments as help and the default shown.
  await page.getByText("Connections in the pool.").waitFor();
  await page.getByText("Hosts that serve the shop.").waitFor();
  assert.equal(await page.getByTestId("field-db.url").inputValue(), "postgres://db/shop");
  assert.equal(await page.getByTestId("field-db.pool_size").inputValue(), "8");
  assert.equal(await page.getByTestId("field-db.pool_size").getAttribute("max"), "64");
  assert.equal(await page.getByTestId("field-hosts.1").inputValue(), "b");
  assert.match(await page.getByTestId("form-kept").innerText(), /legacy\.flag/);
  assert.equal(await page.getByTestId("section-db").evaluate((e) => e.tagName), "FIELDSET");
  assert.equal(await page.getByTestId("field-timeout_secs").getAttribute("type"), "number");

  // The enum is a select, its variants' doc comments shown for the chosen one.
  const mode = page.getByLabel("mode", { exact: true });
  assert.equal(await mode.evaluate((e) => e.tagName), "SELECT");
  assert.equal(await mode.inputValue(), "fast");
  await page.getByText("Answer at once.").waitFor();
  await mode.selectOption("safe");
  await page.getByText("Check twice.").waitFor();

  // A pool of 500 is refused in place, Save waits, and the server's check says the same.
  const save = page.getByRole("button", { name: "Save form" });
  const pool = page.getByTestId("field-db.pool_size");
  await pool.fill("500");
  const refused = page.getByTestId("field-error-db.pool_size");
  await refused.filter({ hasText: "Must be at most 64." }).waitFor();
  assert.equal(await pool.getAttribute("aria-invalid"), "true");
  assert.ok(await save.isDisabled(), "Save waits while a field is refused");
  const problems = page.getByTestId("form-problems");
  await problems.filter({ hasText: "db.pool-size" }).waitFor();
  assert.match(await problems.innerText(), /db\.pool-size\s+500 is greater than the maximum of 64/);
  await page.screenshot({ path: screenshotPath("form-refused"), fullPage: true });
  await pool.fill("12");
  await refused.waitFor({ state: "detached" });
  await problems.waitFor({ state: "detached" });
  assert.ok(await save.isEnabled());

  // A list is rows: edit one, add one.
  await page.getByTestId("field-hosts.0").fill("a2");
  await page.getByRole("button", { name: "Add to hosts" }).click();
  await page.getByTestId("field-hosts.2").fill("c");
  assert.equal(await page.getByLabel("hosts 3", { exact: true }).inputValue(), "c");

  // A boolean is a switch.
  const verbose = page.getByRole("switch", { name: "verbose" });
  assert.equal(await verbose.isChecked(), false);
  await verbose.click();
  assert.equal(await verbose.isChecked(), true);

  // The edits are unsaved text, as in the Text tab: both say so.
  await page.getByRole("tab", { name: /Form/ }).getByText("not saved").waitFor({ state: "attached" });
  await page.screenshot({ path: screenshotPath("form-tab"), fullPage: true });
  await page.getByRole("tab", { name: /Text/ }).click();
  await page.getByTestId("code-editor").getByText("hosts = a2, b, c").waitFor();
  await page.getByRole("tab", { name: /Form/ }).click();
  assert.equal(await page.getByTestId("field-hosts.2").inputValue(), "c");

  await save.click();
  await page.getByText("Saved application.").waitFor();
  await page.getByRole("tab", { name: "Form", exact: true }).waitFor();
  const saved = await admin.call("GET", `${ns("default")}/text`);
  assert.equal(saved.text, EDITED);

  // Published through the usual button and dialog.
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Publish application" });
  await dialog.getByLabel("Release title").fill("from the form");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await page.getByText("Published “from the form”.").waitFor();

  // The same edit made through the text in the mirror cluster publishes the same configuration.
  const mirror = await admin.call("GET", `${ns("mirror")}/text`);
  assert.equal(mirror.text, TEXT);
  await admin.call("PUT", `${ns("mirror")}/text`, { text: EDITED, revision: mirror.revision, comment: "by hand" });
  await admin.call("POST", `${ns("mirror")}/releases`, { title: "from the text" });
  const fromForm = await admin.call("GET", `${ns("default")}/releases/latest`);
  const fromText = await admin.call("GET", `${ns("mirror")}/releases/latest`);
  assert.equal(fromForm.title, "from the form");
  assert.deepEqual(fromForm.configurations, fromText.configurations);
  assert.deepEqual(Object.entries(fromForm.configurations), [
    ["db.url", "postgres://db/shop"],
    ["db.pool-size", "12"],
    ["mode", "safe"],
    ["hosts", "a2, b, c"],
    ["legacy.flag", "on"],
    ["verbose", "true"],
  ]);
  assert.equal(fromForm.schemaProblems, undefined);
  await context.close();
});

test("a json namespace's form keeps the document's order and unknown keys, and says when someone saved first", async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);
  await page.goto(`${lyre.url}/apps/shop/envs/DEV/clusters/default/namespaces/limits.json?tab=form`);
  await page.getByTestId("schema-form").waitFor();
  await page.getByText("Requests a second.").waitFor();
  assert.match(await page.getByTestId("form-kept").innerText(), /extra/);

  const edit = async () => {
    await page.getByTestId("field-rate.per_second").fill("2000");
    await page.getByTestId("field-error-rate.per_second").filter({ hasText: "Must be at most 1000." }).waitFor();
    await page.getByTestId("field-rate.per_second").fill("20");
    await page.getByTestId("field-rate.burst").fill("5");
    await page.getByRole("button", { name: "Add to regions" }).click();
    await page.getByTestId("field-error-regions.0").filter({ hasText: "Fill in this row or remove it." }).waitFor();
    await page.getByTestId("field-regions.0").selectOption("eu");
    await page.getByRole("switch", { name: "enabled" }).click();
  };
  await edit();

  // Someone saves in between: the save is refused with the reason, and the form starts again.
  const theirs = JSON.stringify({ name: "shop", rate: { per_second: 10 }, extra: true, owner: "ops" }, null, 2);
  await admin.call("PUT", `${ns("default", "limits.json")}/text`, { text: theirs, comment: "an owner" });
  await page.getByRole("button", { name: "Save form" }).click();
  const conflict = page.getByTestId("form-conflict");
  await conflict.filter({ hasText: "changed it since" }).waitFor();
  await conflict.getByRole("button", { name: "Reload the latest text (drops your edits)" }).click();
  await conflict.waitFor({ state: "detached" });
  await page.getByTestId("form-kept").filter({ hasText: "extra, owner" }).waitFor();
  assert.equal(await page.getByTestId("field-rate.per_second").inputValue(), "10");
  assert.equal(await page.getByTestId("field-regions.0").count(), 0);

  await edit();
  await page.screenshot({ path: screenshotPath("form-json"), fullPage: true });
  await page.getByRole("button", { name: "Save form" }).click();
  await page.getByText("Saved limits.json.").waitFor();
  // Keys keep their places; new ones follow, in the order of the schema as the portal keeps it
  // (its keys sorted).
  const saved = await admin.call("GET", `${ns("default", "limits.json")}/text`);
  assert.equal(
    saved.text,
    JSON.stringify(
      { name: "shop", rate: { per_second: 20, burst: 5 }, extra: true, owner: "ops", enabled: true, regions: ["eu"] },
      null,
      2,
    ),
  );
  await context.close();
});

test("a yaml namespace's form changes the values it edits and keeps the comments", async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);
  await page.goto(`${lyre.url}/apps/shop/envs/DEV/clusters/default/namespaces/pools.yaml?tab=form`);
  await page.getByTestId("section-pool").waitFor();
  assert.equal(await page.getByTestId("field-pool.min").inputValue(), "2");
  await page.getByTestId("field-pool.max").fill("300");
  await page.getByTestId("field-error-pool.max").filter({ hasText: "Must be at most 255." }).waitFor();
  await page.getByTestId("field-pool.max").fill("30");
  await page.getByLabel("mode", { exact: true }).selectOption("safe");
  await page.getByRole("button", { name: "Save form" }).click();
  await page.getByText("Saved pools.yaml.").waitFor();
  const saved = await admin.call("GET", `${ns("default", "pools.yaml")}/text`);
  assert.equal(saved.text, "# shop's pools\npool:\n  min: 2 # at least\n  max: 30\nowner: ops\nmode: safe\n");
  await context.close();
});

test("someone without a modify role reads the form but cannot change it", async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "bob", readerPassword);
  await page.goto(`${lyre.url}/apps/shop/envs/DEV/clusters/default/namespaces/pools.yaml?tab=form`);
  await page.getByTestId("section-pool").waitFor();
  assert.equal(await page.getByTestId("field-pool.max").inputValue(), "30");
  assert.ok(await page.getByTestId("field-pool.max").isDisabled());
  assert.ok(await page.getByLabel("mode", { exact: true }).isDisabled());
  assert.equal(await page.getByRole("button", { name: "Save form" }).count(), 0);
  await page.getByText("Read only: you hold no modify role on this namespace.").waitFor();
  await context.close();
});
