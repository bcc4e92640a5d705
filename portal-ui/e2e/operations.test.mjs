// The audit log, global search and compare-and-copy in a real browser, against a real `lyre`.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, createUser, launchBrowser, newPage, screenshotPath, signIn, startLyre } from "./harness.mjs";

let lyre;
let browser;
let admin;
const passwords = {};

const items = (env, ns = "application") => `/api/v1/envs/${env}/apps/shop/clusters/default/namespaces/${ns}/items`;

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
  passwords.carol = await createUser(admin, "carol", "Carol Chen");
  passwords.dave = await createUser(admin, "dave", "Dave Diaz");
  await admin.call("POST", "/api/v1/apps", { appId: "shop", name: "Shop" });
  await admin.call("POST", "/api/v1/apps", { appId: "billing", name: "Billing" });
  await admin.call("POST", "/api/v1/apps/shop/roles", { user: "carol", role: "modify", namespace: "application", env: "DEV" });
  for (const [key, value] of [
    ["db.url", "jdbc:mysql://dev-db:3306/shop"],
    ["timeout", "30"],
    ["feature.search", "on"],
    ["cache.ttl", "120"],
  ]) {
    await admin.call("POST", items("DEV"), { key, value });
  }
  for (const [key, value] of [
    ["db.url", "jdbc:mysql://pro-db:3306/shop"],
    ["timeout", "60"],
  ]) {
    await admin.call("POST", items("PRO"), { key, value });
  }
  // carol edits in DEV, so the log has someone else in it.
  const carol = await apiAs(lyre.url, "carol", passwords.carol);
  const timeout = await carol.call("GET", `${items("DEV")}/timeout`);
  await carol.call("PUT", `${items("DEV")}/timeout`, { value: "45", version: timeout.version });
  await carol.call("POST", items("DEV"), { key: "retries", value: "3" });
  await admin.call("POST", "/api/v1/envs/DEV/apps/billing/clusters/default/namespaces/application/items", { key: "currency", value: "EUR" });
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

/** Signs in and opens `to`, once the apps page has settled. */
async function open(page, to, user = "admin", password = ADMIN_PASSWORD) {
  await signIn(page, lyre.url, user, password);
  await page.waitForLoadState("networkidle");
  await page.goto(`${lyre.url}${to}`);
}

/** Waits for a success message, then closes it (toasts cover the bottom right corner). */
async function sawToast(page, text) {
  const toast = page.locator(".toast").filter({ hasText: text });
  await toast.getByRole("button", { name: "Dismiss" }).click();
  await toast.waitFor({ state: "detached" });
}

test("the audit log is filtered by app, person, environment and kind, kept in the address", async () => {
  const { context, page, failed } = await newPage(browser);
  await open(page, "/audit");
  await page.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
  const rows = page.locator("table.audit-table tbody tr");
  await rows.first().waitFor();
  assert.ok((await rows.filter({ hasText: "billing" }).count()) > 0, "the super admin reads every app's entries");

  await page.getByLabel("App", { exact: true }).fill("shop");
  await page.getByRole("combobox", { name: "Person" }).fill("carol");
  await page.getByRole("button", { name: "Show entries" }).click();
  await page.waitForURL(/app=shop&operator=carol/);
  await page.getByText(/^2 entries/).waitFor();
  for (const who of await rows.locator("td:nth-child(2)").allInnerTexts()) {
    assert.equal(who.trim(), "carol");
  }
  await rows.filter({ hasText: "Namespace shop/default/application" }).first().waitFor();

  // Narrower: what carol did to app definitions is nothing.
  await page.getByLabel("What").selectOption("app");
  await page.getByRole("button", { name: "Show entries" }).click();
  await page.getByText("No entries match these filters").waitFor();

  // Wider: every person, only DEV, every kind.
  await page.getByLabel("What").selectOption("");
  await page.getByRole("combobox", { name: "Person" }).fill("");
  await page.getByLabel("Environment").selectOption("DEV");
  await page.getByRole("button", { name: "Show entries" }).click();
  await page.waitForURL(/app=shop&env=DEV$/);
  await rows.filter({ hasText: "admin" }).first().waitFor();
  assert.equal(await rows.filter({ hasText: "billing" }).count(), 0);
  assert.equal(await rows.filter({ hasText: "PRO" }).count(), 0);

  // A time range in the future holds nothing.
  await page.getByLabel("From").fill("2999-01-01T00:00");
  await page.getByRole("button", { name: "Show entries" }).click();
  await page.getByText("No entries match these filters").waitFor();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await page.waitForURL(`${lyre.url}/audit`);
  await rows.filter({ hasText: "billing" }).first().waitFor();

  await page.getByLabel("App", { exact: true }).fill("shop");
  await page.getByRole("combobox", { name: "Person" }).fill("carol");
  await page.getByRole("button", { name: "Show entries" }).click();
  await page.getByText(/^2 entries/).waitFor();
  await page.screenshot({ path: screenshotPath("audit"), fullPage: true });
  assert.deepEqual(failed, []);
  await context.close();
});

test("audit entries read as sentences: releases by title, each review step, roles in words", async () => {
  const PRO = "/api/v1/envs/PRO/apps/shop/clusters/default/namespaces/application";
  const DEV = "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/application";
  await admin.call("POST", `${DEV}/releases`, { title: "dev baseline" });
  const erinPassword = await createUser(admin, "erin", "Erin Evans");
  await admin.call("POST", "/api/v1/apps/shop/roles", { user: "erin", role: "release", namespace: "application", env: "PRO" });
  const request = await admin.call("POST", `${PRO}/release-requests`, { title: "pro database" });
  const erin = await apiAs(lyre.url, "erin", erinPassword);
  await erin.call("POST", `/api/v1/release-requests/${request.id}/approve`, { comment: "checked the URL" });
  await admin.call("POST", `/api/v1/release-requests/${request.id}/publish`);

  const { context, page, failed } = await newPage(browser);
  await open(page, "/audit?app=shop&entityType=release_request");
  const rows = page.locator("table.audit-table tbody tr");
  await rows.first().waitFor();
  const subject = `Release request #${request.id} “pro database” for shop/default/application`;
  const steps = [];
  for (const row of await rows.all()) {
    const text = await row.innerText();
    assert.ok(text.includes(subject), text);
    steps.push(text.match(/\b(open|approve|publish)\b/)?.[1]);
  }
  assert.deepEqual(steps, ["publish", "approve", "open"], "newest first, one entry per step");
  await rows.filter({ hasText: "approve" }).getByText("comment: checked the URL").waitFor();

  // Releases by their title, roles in words; ids and raw JSON only when a row is opened.
  await page.goto(`${lyre.url}/audit?app=shop`);
  await rows.filter({ hasText: "Release “dev baseline” of shop/default/application" }).first().waitFor();
  await rows.filter({ hasText: "Release “pro database” of shop/default/application" }).first().waitFor();
  await rows.filter({ hasText: "Release role on shop/application in PRO for erin" }).first().waitFor();
  await rows.filter({ hasText: "Modify role on shop/application in DEV for carol" }).first().waitFor();
  await rows.filter({ hasText: "Release “pro database”" }).getByText("from release request #").waitFor();
  const listed = await page.locator("table.audit-table").innerText();
  for (const raw of ["ReleaseNamespace+", "ModifyNamespace+", "previousReleaseId", "releaseKey", "{"]) {
    assert.ok(!listed.includes(raw), `the list shows no ${raw}`);
  }
  const release = rows.filter({ hasText: "Release “pro database”" }).first();
  await release.getByText("In full").click();
  await release.locator("pre").getByText(/"releaseRequest": \d+/).waitFor();
  await page.screenshot({ path: screenshotPath("audit-readable"), fullPage: true });
  assert.deepEqual(failed, []);
  await context.close();
});

test("someone who is not the super admin chooses an app, and reads only the log of apps they belong to", async () => {
  const { context, page, failed } = await newPage(browser);
  await open(page, "/audit", "carol", passwords.carol);
  await page.getByText("Choose an app to read its audit log").waitFor();
  assert.equal(await page.locator("table.audit-table").count(), 0);

  await page.getByLabel(/^App/).fill("billing");
  await page.getByRole("button", { name: "Show entries" }).click();
  await page.getByRole("alert").filter({ hasText: "only members of app `billing` read its audit log" }).waitFor();

  await page.getByLabel(/^App/).fill("shop");
  await page.getByRole("button", { name: "Show entries" }).click();
  await page.locator("table.audit-table tbody tr").filter({ hasText: "carol" }).first().waitFor();
  await page.screenshot({ path: screenshotPath("audit-member"), fullPage: true });
  assert.deepEqual(failed, []);
  await context.close();
});

test("search finds keys and values, links to their namespace, and leaves out what the user may not see", async () => {
  const { context, page, failed } = await newPage(browser);
  await open(page, "/search");
  await page.getByRole("heading", { name: "Search", level: 1 }).waitFor();
  await page.getByText("you see only what you may read").waitFor();

  const box = page.getByRole("searchbox", { name: "Key or value" });
  await box.fill("j");
  await box.press("Enter");
  await page.getByRole("alert").filter({ hasText: "Type at least 2 characters." }).waitFor();

  // A key, in both environments.
  await box.fill("DB.URL");
  await box.press("Enter");
  await page.waitForURL(/\/search\?q=DB.URL$/);
  await page.getByText("2 matches").waitFor();
  await page.getByTestId("hit-DEV-shop-db.url").getByText("jdbc:mysql://dev-db:3306/shop").waitFor();
  await page.getByTestId("hit-PRO-shop-db.url").getByText("jdbc:mysql://pro-db:3306/shop").waitFor();

  // A value.
  await box.fill("eur");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByText("1 match", { exact: true }).waitFor();
  await page.getByTestId("hit-DEV-billing-currency").waitFor();

  await box.fill("jdbc");
  await box.press("Enter");
  await page.getByText("2 matches").waitFor();
  await page.screenshot({ path: screenshotPath("search"), fullPage: true });

  await page.getByRole("link", { name: "db.url in PRO / shop / default / application" }).click();
  await page.waitForURL(`${lyre.url}/apps/shop/envs/PRO/clusters/default/namespaces/application`);
  await page.getByRole("heading", { name: "application", level: 1 }).waitFor();
  await page.goBack();
  await page.getByText("2 matches").waitFor();
  assert.deepEqual(failed, []);
  await context.close();

  // dave is no member of shop: PRO shows private namespaces to members only.
  const other = await newPage(browser);
  await open(other.page, "/search?q=jdbc", "dave", passwords.dave);
  await other.page.getByText("1 match", { exact: true }).waitFor();
  await other.page.getByTestId("hit-DEV-shop-db.url").waitFor();
  assert.equal(await other.page.getByText("pro-db").count(), 0, "PRO's private value is not shown");
  await other.page.goto(`${lyre.url}/search?q=pro-db`);
  await other.page.getByText("Nothing found for “pro-db”").waitFor();
  await other.page.screenshot({ path: screenshotPath("search-non-member"), fullPage: true });
  assert.deepEqual(other.failed, []);
  await other.context.close();
});

test("DEV and PRO are compared, two selected keys are copied, and the differences shrink", async () => {
  const { context, page, failed } = await newPage(browser);
  await open(page, "/apps/shop");
  await page.getByRole("link", { name: "Compare environments" }).click();
  await page.getByRole("heading", { name: "Compare environments", level: 1 }).waitFor();
  assert.equal(await page.getByLabel("Namespace").inputValue(), "application");
  assert.equal(await page.getByLabel("From environment").inputValue(), "DEV");
  assert.equal(await page.getByLabel("To environment").inputValue(), "PRO");
  await page.getByRole("heading", { name: /5 differences/ }).waitFor();
  const table = page.getByRole("table", { name: "Differences of application" });
  await table.getByTestId("diff-feature.search").getByText("Only in source").waitFor();
  await table.getByTestId("diff-timeout").getByText("Different").waitFor();
  const copy = page.getByRole("button", { name: /Copy selected keys/ });
  assert.equal(await copy.isDisabled(), true, "nothing is selected yet");

  await table.getByRole("checkbox", { name: "Select feature.search" }).check();
  await table.getByRole("checkbox", { name: "Select timeout" }).check();
  await page.getByRole("button", { name: "Copy selected keys (2)" }).waitFor();
  await page.screenshot({ path: screenshotPath("compare"), fullPage: true });
  await copy.click();
  const confirm = page.getByRole("dialog", { name: "Copy 2 keys to PRO / default" });
  await confirm.getByText("will be added").waitFor();
  await confirm.getByText("will be changed").waitFor();
  await confirm.getByRole("button", { name: "Copy keys" }).click();
  await sawToast(page, "Copied 2 keys to PRO / default.");
  await page.getByRole("heading", { name: /3 differences/ }).waitFor();
  assert.equal(await table.getByTestId("diff-timeout").count(), 0);
  assert.equal(await table.getByTestId("diff-feature.search").count(), 0);

  const pro = Object.fromEntries((await admin.call("GET", items("PRO"))).map((i) => [i.key, i.value]));
  assert.equal(pro.timeout, "45");
  assert.equal(pro["feature.search"], "on");
  assert.equal(pro["db.url"], "jdbc:mysql://pro-db:3306/shop", "keys not selected stay as they were");

  // Every key at once, the other way round: PRO's db.url back to DEV would change it.
  await page.getByRole("button", { name: "Swap source and target" }).click();
  await page.waitForURL(/fromEnv=PRO/);
  await table.getByTestId("diff-db.url").waitFor();
  await table.getByTestId("diff-cache.ttl").getByText("Only in target").waitFor();

  // The same place on both sides has nothing to compare.
  await page.getByLabel("From environment").selectOption("PRO");
  await page.getByLabel("To environment").selectOption("PRO");
  await page.getByText("Source and target are the same").waitFor();
  assert.deepEqual(failed, []);
  await context.close();
});
