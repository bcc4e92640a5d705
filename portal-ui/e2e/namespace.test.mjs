// A namespace's everyday work in a real browser against a real `lyre`: items in table and text
// mode, publishing, history, rollback, export and import, instances, and review in PRO.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, createUser, launchBrowser, newPage, screenshotPath, startLyre } from "./harness.mjs";

let lyre;
let browser;
let admin;
let alicePassword;
let bobPassword;

const DEV = "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/application";
const PRO = "/api/v1/envs/PRO/apps/shop/clusters/default/namespaces/application";
const page_ = (env, ns = "application") => `/apps/shop/envs/${env}/clusters/default/namespaces/${ns}`;

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
  alicePassword = await createUser(admin, "alice", "Alice Liddell");
  bobPassword = await createUser(admin, "bob", "Bob Reader");
  // Alice owns the app: she is its master, with modify and release on every namespace.
  await admin.call("POST", "/api/v1/apps", { appId: "shop", name: "Shop", ownerName: "alice" });
  await admin.call("POST", "/api/v1/apps/shop/appnamespaces", { name: "datasources", format: "yaml", comment: "Database pools" });
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

/** Signs in through the form and waits for the signed-in frame. */
async function signInAs(page, username, password) {
  await page.goto(lyre.url);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("current-user").waitFor({ state: "attached" });
}

async function openNamespace(page, env, ns = "application", tab) {
  await page.goto(`${lyre.url}${page_(env, ns)}${tab ? `?tab=${tab}` : ""}`);
  await page.getByRole("heading", { name: ns, exact: true, level: 1 }).waitFor();
}

const toast = (page, text) => page.getByRole("status").filter({ hasText: text });

/** Saves a screenshot: the whole page from its top, or (with a dialog open) the window. */
async function shot(page, name, { dialog = false } = {}) {
  if (!dialog) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath(name), fullPage: !dialog });
}

/** Replaces the code editor's whole text, as a person pasting over a selection would. */
async function replaceText(page, text) {
  const editor = page.getByTestId("code-editor");
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

async function item(page, key) {
  const row = page.getByTestId(`item-${key}`);
  await row.waitFor();
  return row;
}

test("a developer adds, edits and deletes items with comments; a stale edit is refused and retried", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openNamespace(page, "DEV");
  await page.getByText("No items yet").waitFor();
  assert.match(await page.getByTestId("namespace-badges").innerText(), /properties[\s\S]*Private/);
  await page.getByText("Never released").waitFor();

  // An invalid key is refused where it was typed.
  await page.getByRole("button", { name: "Add item" }).click();
  let dialog = page.getByRole("dialog", { name: "Add an item" });
  await dialog.getByLabel("Key").fill("checkout=timeout");
  await dialog.getByLabel("Value").fill("30");
  await dialog.getByRole("button", { name: "Add" }).click();
  await dialog.getByRole("alert").filter({ hasText: "which a properties key cannot" }).waitFor();
  assert.equal(await dialog.getByLabel("Key").getAttribute("aria-invalid"), "true");

  await dialog.getByLabel("Key").fill("checkout.timeout");
  await dialog.getByLabel("Comment").fill("seconds");
  await dialog.getByLabel("Key").press("Enter");
  await toast(page, "Added checkout.timeout.").waitFor();
  await dialog.waitFor({ state: "detached" });
  let row = await item(page, "checkout.timeout");
  assert.match(await row.innerText(), /checkout\.timeout\s*Added[\s\S]*30[\s\S]*seconds[\s\S]*alice/);
  await page.getByTestId("namespace-badges").getByText("Unpublished changes").waitFor();

  for (const [key, value, comment] of [
    ["checkout.retries", "3", ""],
    ["legacy.cart", "on", "the old cart"],
  ]) {
    await page.getByRole("button", { name: "Add item" }).click();
    dialog = page.getByRole("dialog", { name: "Add an item" });
    await dialog.getByLabel("Key").fill(key);
    await dialog.getByLabel("Value").fill(value);
    await dialog.getByLabel("Comment").fill(comment);
    await dialog.getByRole("button", { name: "Add" }).click();
    await toast(page, `Added ${key}.`).waitFor();
  }
  await page.getByTestId("items-summary").getByText("3 items · 3 added, not released yet").waitFor();

  // The first publish, with every key new.
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  dialog = page.getByRole("dialog", { name: "Publish application" });
  await dialog.getByText("Nothing was released yet").waitFor();
  assert.equal(await dialog.getByTestId(/^diff-/).count(), 3);
  await dialog.getByRole("button", { name: "Publish" }).click();
  await dialog.getByText("Give the release a title.").waitFor();
  await dialog.getByLabel("Release title").fill("first release");
  await dialog.getByLabel("Comment").fill("checkout settings");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await toast(page, "Published “first release”.").waitFor();
  await page.getByTestId("latest-release").getByText("first release").waitFor();
  await page.getByTestId("namespace-badges").getByText("Unpublished changes").waitFor({ state: "detached" });
  await page.getByTestId("items-summary").getByText("3 items · all published").waitFor();

  // Alice edits the timeout while someone else changes it: her save is refused with their change.
  row = await item(page, "checkout.timeout");
  await row.getByRole("button", { name: "Edit checkout.timeout" }).click();
  dialog = page.getByRole("dialog", { name: "Edit checkout.timeout" });
  await dialog.getByLabel("Value").fill("45");
  await dialog.getByLabel("Comment").fill("seconds, longer");
  const current = await admin.call("GET", `${DEV}/items/checkout.timeout`);
  await admin.call("PUT", `${DEV}/items/checkout.timeout`, { value: "60", version: current.version });
  await dialog.getByRole("button", { name: "Save" }).click();
  await dialog.getByText("Someone changed this item while you were editing it.").waitFor();
  await dialog.getByText(/is at version 2, not 1/).waitFor();
  await dialog.getByRole("button", { name: "Load their version" }).click();
  await dialog.getByText(/The item now holds\s*60/).waitFor();
  assert.equal(await dialog.getByLabel("Value").inputValue(), "45", "her value is kept");
  await dialog.getByRole("button", { name: "Save" }).click();
  await toast(page, "Saved checkout.timeout.").waitFor();
  row = await item(page, "checkout.timeout");
  await row.getByText("45").waitFor();
  assert.match(await row.innerText(), /Changed[\s\S]*45[\s\S]*seconds, longer/);

  // Deleting asks first; the deleted key stays visible, marked, until the next publish.
  row = await item(page, "legacy.cart");
  await row.getByRole("button", { name: "Delete legacy.cart" }).click();
  dialog = page.getByRole("dialog", { name: "Delete legacy.cart?" });
  await dialog.getByText("Clients keep the key until the next publish").waitFor();
  await dialog.getByRole("button", { name: "Delete" }).click();
  await toast(page, "Deleted legacy.cart.").waitFor();
  row = page.getByTestId("item-legacy.cart");
  await row.getByText("Deleted, not yet published").waitFor();
  assert.match(await row.innerText(), /legacy\.cart\s*Deleted/);

  await page.getByRole("button", { name: "Add item" }).click();
  dialog = page.getByRole("dialog", { name: "Add an item" });
  await dialog.getByLabel("Key").fill("search.engine");
  await dialog.getByLabel("Value").fill("classic");
  await dialog.getByRole("button", { name: "Add" }).click();
  await toast(page, "Added search.engine.").waitFor();

  await page.getByTestId("items-summary").getByText("3 items · 1 added, 1 changed, 1 deleted since release “first release”").waitFor();
  await page.getByTestId("namespace-badges").getByText("Unpublished changes").waitFor();
  assert.equal(await page.locator("tr.ns-row-added, tr.ns-row-modified, tr.ns-row-deleted").count(), 3);
  await shot(page, "namespace-items");
  await context.close();
});

test("text mode shows a syntax error at its line, a concurrent change, and saves the fixed text", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openNamespace(page, "DEV", "application", "text");
  const editor = page.getByTestId("code-editor");
  await editor.getByText("checkout.timeout = 45").waitFor();

  await replaceText(page, "# seconds\ncheckout.timeout = 50\ncheckout.retries = 3\noops\nsearch.engine = classic\n");
  await page.getByRole("tab", { name: /Text/ }).getByText("not saved").waitFor({ state: "attached" });
  await page.getByRole("button", { name: "Save text" }).click();
  const problem = page.getByTestId("text-error");
  await problem.getByText("Line 4", { exact: true }).waitFor();
  assert.match(await problem.innerText(), /line 4: expected `key = value`, found `oops`/);
  await page.locator(".cm-line-error").filter({ hasText: "oops" }).waitFor();
  await shot(page, "namespace-text-error");

  // Someone else changes an item meanwhile: the save is refused and the latest text offered.
  await replaceText(page, "# seconds\ncheckout.timeout = 50\ncheckout.retries = 3\nsearch.engine = classic\n");
  const retries = await admin.call("GET", `${DEV}/items/checkout.retries`);
  await admin.call("PUT", `${DEV}/items/checkout.retries`, { value: "4", version: retries.version });
  await page.getByRole("button", { name: "Save text" }).click();
  const conflict = page.getByTestId("text-conflict");
  await conflict.getByText("Someone changed this namespace after you began editing.").waitFor();
  await conflict.getByRole("button", { name: /Reload the latest text/ }).click();
  await editor.getByText("checkout.retries = 4").waitFor();

  await replaceText(page, "# seconds\ncheckout.timeout = 50\ncheckout.retries = 4\nsearch.engine = classic\n");
  await page.getByLabel("Comment for this change").fill("timeout to 50");
  await page.getByRole("button", { name: "Save text" }).click();
  await toast(page, "Saved application.").waitFor();
  await page.getByRole("button", { name: "Save text" }).and(page.locator(":disabled")).waitFor();

  await page.getByRole("tab", { name: "Items" }).click();
  const row = await item(page, "checkout.timeout");
  await row.getByText("50", { exact: true }).waitFor();

  // A yaml namespace has no table: its content is edited as a file, with yaml's errors.
  await openNamespace(page, "DEV", "datasources.yaml");
  assert.equal(await page.getByRole("tab", { name: "Items" }).count(), 0);
  await page.getByRole("tab", { name: "Content" }).waitFor();
  await page.getByText("The whole YAML file.").waitFor();
  await replaceText(page, "db:\n  url: jdbc:postgresql://db/shop\n  pool: [1, 2\n");
  await page.getByRole("button", { name: "Save text" }).click();
  await page.getByTestId("text-error").getByText("Line 3, column 9", { exact: true }).waitFor();
  await page.locator(".cm-line-error").filter({ hasText: "pool" }).waitFor();
  // The mark follows the text as it is typed: a new mistake is marked at its line without a
  // save, and a fixed text loses the mark before anything is saved.
  await replaceText(page, "db:\n  url: [jdbc\n  pool: 2\n");
  await page.getByTestId("text-error").getByText(/^Line 3/).waitFor();
  await replaceText(page, "# shop's database\ndb:\n  url: jdbc:postgresql://db/shop\n  pool:\n    min: 2\n    max: 20\n");
  await page.getByTestId("text-error").waitFor({ state: "detached" });
  assert.equal(await page.locator(".cm-line-error").count(), 0, "no line stays marked");
  await page.getByRole("button", { name: "Save text" }).click();
  await toast(page, "Saved datasources.yaml.").waitFor();
  await page.getByTestId("text-error").waitFor({ state: "detached" });
  await page.getByTestId("namespace-badges").getByText("Unpublished changes").waitFor();
  // Highlighting: yaml keys and comments are styled spans, not plain text. The editor styles
  // the text a moment after it changes, so wait for the spans to appear.
  await editor.locator("span").nth(3).waitFor({ timeout: 5000 }).catch(() => {});
  assert.ok((await editor.locator("span").count()) > 3, "the yaml is highlighted");
  await shot(page, "namespace-text-yaml");
  await context.close();
});

test("publishing shows what changes; history compares two releases and rolls back to an earlier one", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openNamespace(page, "DEV");

  await page.getByRole("button", { name: "Publish", exact: true }).click();
  let dialog = page.getByRole("dialog", { name: "Publish application" });
  await dialog.getByText("Against the latest release “first release”").waitFor();
  const changed = dialog.getByTestId("diff-checkout.timeout");
  await changed.waitFor();
  assert.match(await changed.innerText(), /Changed\s+checkout\.timeout\s+30\s+50/);
  assert.match(await dialog.getByTestId("diff-legacy.cart").innerText(), /Deleted\s+legacy\.cart\s+on/);
  assert.match(await dialog.getByTestId("diff-search.engine").innerText(), /Added\s+search\.engine/);
  await dialog.getByLabel("Release title").fill("second release");
  await shot(page, "namespace-publish", { dialog: true });
  await dialog.getByRole("button", { name: "Publish" }).click();
  await toast(page, "Published “second release”.").waitFor();
  await page.getByTestId("latest-release").getByText("second release").waitFor();

  // A third release through the API, then the history.
  const timeout = await admin.call("GET", `${DEV}/items/checkout.timeout`);
  await admin.call("PUT", `${DEV}/items/checkout.timeout`, { value: "90", version: timeout.version });
  await admin.call("POST", `${DEV}/releases`, { title: "third release" });
  await page.getByRole("tab", { name: "History" }).click();
  await page.getByRole("row", { name: /third release/ }).getByText("Served now").waitFor();
  assert.equal(await page.getByTestId(/^release-/).count(), 3);

  // Two releases side by side.
  await page.getByRole("checkbox", { name: "Select “first release” to compare" }).check();
  await page.getByRole("checkbox", { name: "Select “third release” to compare" }).check();
  await page.getByRole("button", { name: "Compare" }).click();
  dialog = page.getByRole("dialog", { name: "“first release” → “third release”" });
  const diff = dialog.getByTestId("diff-checkout.timeout");
  await diff.waitFor();
  assert.match(await diff.innerText(), /Changed\s+checkout\.timeout\s+30\s+90/);
  assert.match(await dialog.getByTestId("diff-checkout.retries").innerText(), /Changed\s+checkout\.retries\s+3\s+4/);
  assert.match(await dialog.getByTestId("diff-legacy.cart").innerText(), /Deleted/);
  await shot(page, "namespace-history-compare", { dialog: true });
  await dialog.getByRole("button", { name: "Close" }).last().click();

  // What one step changed, from the release history.
  const published = page.getByRole("row", { name: /Published\s+second release/ });
  await published.getByRole("button", { name: "Changes" }).click();
  dialog = page.getByRole("dialog", { name: "Published: “second release”" });
  await dialog.getByTestId("diff-search.engine").waitFor();
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });

  // Roll back to the first release: the dialog says what clients will get.
  await page.getByRole("row", { name: /first release/ }).getByRole("button", { name: "Roll back to this" }).click();
  dialog = page.getByRole("dialog", { name: "Roll back to “first release”?" });
  const back = dialog.getByTestId("diff-checkout.timeout");
  await back.waitFor();
  assert.match(await back.innerText(), /Changed\s+checkout\.timeout\s+90\s+30/);
  assert.match(await dialog.getByTestId("diff-legacy.cart").innerText(), /Added\s+legacy\.cart/);
  await dialog.getByRole("button", { name: "Roll back" }).click();
  await toast(page, "Rolled back to “first release”; 2 releases are withdrawn.").waitFor();
  await page.getByRole("row", { name: /first release/ }).first().getByText("Served now").waitFor();
  for (const withdrawn of [/second release/, /third release/]) {
    await page.getByTestId(/^release-/).filter({ hasText: withdrawn }).getByText("Rolled back").waitFor();
  }
  await page.getByRole("row", { name: /Rolled back\s+first release/ }).waitFor();
  await page.getByTestId("latest-release").getByText("first release").waitFor();
  await page.getByTestId("namespace-badges").getByText("Unpublished changes").waitFor();
  await shot(page, "namespace-history");

  // Clients get the first release again.
  const served = await (await fetch(`${lyre.configUrl}/configs/shop/default/application`)).json();
  assert.deepEqual(served.configurations, { "checkout.timeout": "30", "checkout.retries": "3", "legacy.cart": "on" });
  await context.close();
});

test("export downloads the file; import adds, skips or overwrites by the chosen policy", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openNamespace(page, "DEV");

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export" }).click()]);
  assert.equal(download.suggestedFilename(), "application.properties");
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  const exported = Buffer.concat(chunks).toString("utf8");
  assert.match(exported, /# seconds\ncheckout\.timeout = 90\n/);
  await toast(page, "Downloaded application.properties.").waitFor();

  await page.getByRole("button", { name: "Import" }).click();
  const dialog = page.getByRole("dialog", { name: "Import into application" });
  await dialog.getByLabel("File", { exact: true }).setInputFiles({
    name: "more.properties",
    mimeType: "text/plain",
    buffer: Buffer.from("checkout.timeout = 120\nsearch.cache = 64MB\n"),
  });
  // Stop if a key exists (the default): nothing is imported.
  await dialog.getByRole("button", { name: "Import" }).click();
  const refused = dialog.getByTestId("import-error");
  await refused.getByText("Nothing was imported.").waitFor();
  await refused.getByText(/has these keys already: checkout\.timeout/).waitFor();

  await dialog.getByLabel(/Keep existing values/).check();
  await dialog.getByRole("button", { name: "Import" }).click();
  let result = dialog.getByTestId("import-result");
  await result.waitFor();
  assert.match(await result.innerText(), /Added\s+1\s+search\.cache[\s\S]*Overwritten\s+0\s+none[\s\S]*Skipped \(kept\)\s+1\s+checkout\.timeout/);
  await toast(page, "Imported more.properties: 1 key changed.").waitFor();
  await (await item(page, "search.cache")).getByText("Added").waitFor();

  await dialog.getByLabel(/Overwrite existing values/).check();
  await dialog.getByRole("button", { name: "Import again" }).click();
  await result.getByText(/Overwritten\s+2/).waitFor();
  result = dialog.getByTestId("import-result");
  assert.match(await result.innerText(), /Added\s+0\s+none[\s\S]*Overwritten\s+2\s+checkout\.timeout, search\.cache/);
  await shot(page, "namespace-import", { dialog: true });
  await dialog.getByRole("button", { name: "Close" }).last().click();
  await (await item(page, "checkout.timeout")).getByText("120").waitFor();

  // A file that does not parse is refused with the line.
  await page.getByRole("button", { name: "Import" }).click();
  const again = page.getByRole("dialog", { name: "Import into application" });
  await again.getByLabel("File", { exact: true }).setInputFiles({ name: "bad.properties", mimeType: "text/plain", buffer: Buffer.from("ok = 1\nbroken\n") });
  await again.getByRole("button", { name: "Import" }).click();
  await again.getByTestId("import-error").getByText(/line 2/).waitFor();
  await context.close();
});

test("instances: none until an application reads the namespace, then the one that did", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openNamespace(page, "DEV", "datasources.yaml", "instances");
  await page.getByText("No instance has read this namespace yet").waitFor();

  const read = await fetch(`${lyre.configUrl}/configs/shop/default/application?ip=10.9.8.7&label=web-1`);
  assert.equal(read.status, 200);
  await openNamespace(page, "DEV", "application", "instances");
  const row = page.getByTestId("instance-10.9.8.7");
  // The config service records reads in the background: refresh until it shows.
  for (let i = 0; i < 40 && !(await row.isVisible()); i++) {
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByRole("button", { name: "Refresh" }).and(page.locator(":enabled")).waitFor();
    if (!(await row.isVisible())) await page.waitForTimeout(250);
  }
  assert.match(await row.innerText(), /10\.9\.8\.7[\s\S]*shop · label web-1[\s\S]*Latest/);
  await shot(page, "namespace-instances");
  await context.close();
});

test("in PRO publishing opens a release request, and a second one points to the first", async () => {
  const alice = await apiAs(lyre.url, "alice", alicePassword);
  await alice.call("POST", `${PRO}/items`, { key: "checkout.timeout", value: "30", comment: "seconds" });
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openNamespace(page, "PRO");

  await page.getByRole("button", { name: "Request release" }).click();
  let dialog = page.getByRole("dialog", { name: "Publish application: request a release" });
  await dialog.getByText("PRO requires review: this opens a release request.").waitFor();
  await dialog.getByTestId("diff-checkout.timeout").waitFor();
  await dialog.getByLabel("Release title").fill("checkout timeout in PRO");
  await dialog.getByLabel("Comment for the reviewers").fill("as tested in DEV");
  await shot(page, "namespace-pro-request", { dialog: true });
  await dialog.getByRole("button", { name: "Open release request" }).click();
  dialog = page.getByRole("dialog", { name: "Release request opened" });
  const link = dialog.getByRole("link", { name: /View release request #\d+/ });
  await link.waitFor();
  const href = await link.getAttribute("href");
  assert.match(href, /^\/release-requests\/\d+$/);
  await toast(page, /Release request #\d+ is open for review\./).waitFor();
  await dialog.getByRole("button", { name: "Close" }).last().click();
  const banner = page.getByTestId("request-under-way");
  await banner.getByText("waiting for review").waitFor();
  assert.equal(await banner.getByRole("link").getAttribute("href"), href);

  // A second request for the same namespace names the one under way.
  await page.getByRole("button", { name: "Request release" }).click();
  dialog = page.getByRole("dialog", { name: "Publish application: request a release" });
  await dialog.getByLabel("Release title").fill("again");
  await dialog.getByRole("button", { name: "Open release request" }).click();
  const alert = dialog.getByRole("alert").filter({ hasText: "has a release request under way" });
  await alert.waitFor();
  assert.equal(await alert.getByRole("link", { name: /Open request #\d+/ }).getAttribute("href"), href);
  await context.close();
});

test("a reader sees the namespace read-only; a refused write shows the portal's reason", async () => {
  // Bob holds no role: every change is out of reach, and the page says why.
  const { context, page } = await newPage(browser);
  await signInAs(page, "bob", bobPassword);
  await openNamespace(page, "DEV");
  await page.getByText("You can read this namespace.").waitFor();
  await (await item(page, "checkout.timeout")).waitFor();
  assert.ok(await page.getByRole("button", { name: "Add item" }).isDisabled());
  assert.ok(await page.getByRole("button", { name: "Publish", exact: true }).isDisabled());

  // With a modify role he may edit; when it is taken away meanwhile, the portal refuses.
  await admin.call("POST", "/api/v1/apps/shop/roles", { user: "bob", role: "modify", namespace: "*", env: "DEV" });
  await openNamespace(page, "DEV");
  await page.getByRole("button", { name: "Add item" }).and(page.locator(":enabled")).waitFor();
  await admin.call("DELETE", "/api/v1/apps/shop/roles?user=bob&role=modify&namespace=*&env=DEV");
  await page.getByRole("button", { name: "Add item" }).click();
  const dialog = page.getByRole("dialog", { name: "Add an item" });
  await dialog.getByLabel("Key").fill("bob.was.here");
  await dialog.getByLabel("Value").fill("1");
  await dialog.getByRole("button", { name: "Add" }).click();
  // The refusal says which role is missing, where, and who can grant it, as a sentence.
  const refusal = dialog.getByRole("alert").filter({ hasText: "no modify role on shop/default/application in DEV" });
  await refusal.waitFor();
  assert.equal(await refusal.innerText(), "You hold no modify role on shop/default/application in DEV; a master of app `shop` can grant it.");
  await context.close();
});

test("the page fits a narrow window", async () => {
  const { context, page } = await newPage(browser, { width: 390, height: 844 });
  await signInAs(page, "alice", alicePassword);
  await openNamespace(page, "DEV");
  await (await item(page, "checkout.timeout")).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow}px)`);
  await shot(page, "namespace-narrow");
  for (const tab of ["History", "Gray", "Instances"]) {
    await page.getByRole("tab", { name: tab }).click();
    await page.getByRole("tabpanel", { name: tab }).waitFor();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wide <= 0, `${tab}: no horizontal scrolling at 390 px (overflow ${wide}px)`);
  }
  await context.close();
});

test("unsaved text is saved before a publish shows its diff, kept from a stray link, and saved with Ctrl+S", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openNamespace(page, "DEV", "datasources.yaml");
  const editor = page.getByTestId("code-editor");
  await editor.getByText("max: 20").waitFor();
  const unsaved = page.getByRole("tab", { name: "Content" }).getByText("not saved");
  const yaml = (max) => `# shop's database\ndb:\n  url: jdbc:postgresql://db/shop\n  pool:\n    min: 2\n    max: ${max}\n`;
  await admin.call("POST", "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/datasources.yaml/releases", { title: "pool of 20" });

  // Ctrl+S saves the text.
  await replaceText(page, yaml(30));
  await unsaved.waitFor({ state: "attached" });
  await page.keyboard.press("Control+S");
  await toast(page, "Saved datasources.yaml.").waitFor();
  await unsaved.waitFor({ state: "detached" });

  // A link to another page asks first; saying no keeps the page and the draft.
  await replaceText(page, yaml(40));
  // Every question the page asks is answered "stay".
  const asked = [];
  page.on("dialog", (question) => {
    asked.push(question.message());
    void question.dismiss();
  });
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Apps" }).click();
  await editor.getByText("max: 40").waitFor();
  assert.match(asked[0] ?? "", /Your text in datasources\.yaml is not saved/);
  assert.match(page.url(), /datasources\.yaml/);

  // Publish with a draft: the draft is saved first, and the dialog shows what the release holds.
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  const ask = page.getByRole("dialog", { name: "Save your text first" });
  await ask.getByText("your edits in Content are not saved yet").waitFor();
  await shot(page, "namespace-unsaved-publish", { dialog: true });
  await ask.getByRole("button", { name: "Save, then review the release" }).click();
  const dialog = page.getByRole("dialog", { name: "Publish datasources.yaml" });
  await dialog.getByLabel("Release title").waitFor();
  // The file's lines, side by side: the changed line marked on both sides, the rest folded.
  const lines = dialog.getByTestId("line-diff");
  const split = lines.getByRole("table", { name: "Line differences, side by side" });
  await split.locator("td.line-del").filter({ hasText: "max: 20" }).waitFor();
  await split.locator("td.line-add").filter({ hasText: "max: 40" }).waitFor();
  await split.getByText("⋯ 2 unchanged lines").waitFor();
  assert.equal(await split.locator("td.line-add").count(), 1, "one line changed");
  // A narrow window gets one column, each line marked removed or added.
  await page.setViewportSize({ width: 700, height: 860 });
  const unified = lines.getByRole("table", { name: "Line differences", exact: true });
  await unified.locator("tr.line-del").filter({ hasText: "max: 20" }).waitFor();
  assert.match(await unified.locator("tr.line-add").innerText(), /\+[\s\S]*max: 40/);
  assert.equal(await split.isVisible(), false);
  await shot(page, "namespace-line-diff-narrow", { dialog: true });
  await page.setViewportSize({ width: 1280, height: 860 });
  assert.equal(await unsaved.count(), 0, "nothing is left unsaved");
  await dialog.getByLabel("Release title").fill("pool of 40");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await toast(page, "Published “pool of 40”.").waitFor();
  const latest = await admin.call("GET", "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/datasources.yaml/releases/latest");
  assert.equal(latest.configurations.content, yaml(40), "the release holds what was on the screen");

  // With nothing unsaved, links go where they point without a question.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Apps" }).click();
  await page.getByRole("heading", { name: "Apps", level: 1 }).waitFor();
  assert.equal(asked.length, 1, "no question without unsaved work");

  // Back, within the portal, asks too: refused, the page and its draft stay.
  await page.evaluate(() => window.history.back());
  await editor.getByText("max: 40").waitFor();
  await replaceText(page, yaml(50));
  await unsaved.waitFor({ state: "attached" });
  await page.evaluate(() => window.history.back());
  for (let i = 0; i < 100 && asked.length < 2; i++) await page.waitForTimeout(50);
  assert.equal(asked.length, 2, "Back asked");
  assert.match(page.url(), /datasources\.yaml/, "still on the namespace");
  await editor.getByText("max: 50").waitFor();
  await context.close();
});

test("someone who may change but not release is offered a release request, and it reaches a reviewer", async () => {
  await admin.call("POST", "/api/v1/apps/shop/roles", { user: "bob", role: "modify", namespace: "application", env: "DEV" });
  const bob = await apiAs(lyre.url, "bob", bobPassword);
  await bob.call("POST", `${DEV}/items`, { key: "bob.flag", value: "on" });
  const { context, page } = await newPage(browser);
  await signInAs(page, "bob", bobPassword);
  await openNamespace(page, "DEV");

  const request = page.getByRole("button", { name: "Request release" });
  assert.equal(await page.getByRole("button", { name: "Publish", exact: true }).count(), 0, "no Publish he could not use");
  assert.match(await request.getAttribute("title"), /no release role here/);
  await request.click();
  const dialog = page.getByRole("dialog", { name: "Publish application: request a release" });
  await dialog.getByText("You hold no release role on application in DEV: this opens a release request.").waitFor();
  await dialog.getByTestId("diff-bob.flag").waitFor();
  await dialog.getByLabel("Release title").fill("bob's flag");
  await shot(page, "namespace-request-without-release", { dialog: true });
  await dialog.getByRole("button", { name: "Open release request" }).click();
  const opened = page.getByRole("dialog", { name: "Release request opened" });
  await opened.getByText(/You hold no release role on application in DEV\. Request #\d+ waits/).waitFor();
  const id = Number((await opened.getByRole("link", { name: /View release request/ }).innerText()).match(/\d+/)[0]);

  // Alice, who may release, finds it waiting for her.
  const waiting = await apiAs(lyre.url, "alice", alicePassword).then((a) => a.call("GET", "/api/v1/release-requests?view=review"));
  assert.ok(waiting.items.some((r) => r.id === id && r.createdBy === "bob"), JSON.stringify(waiting));
  await bob.call("POST", `/api/v1/release-requests/${id}/withdraw`);
  await bob.call("DELETE", `${DEV}/items/bob.flag`);
  await admin.call("DELETE", "/api/v1/apps/shop/roles?user=bob&role=modify&namespace=application&env=DEV");
  await context.close();
});
