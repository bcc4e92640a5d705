// The apps list and an app's overview in a real browser, against a real `lyre`: creating apps,
// search, favorites, environments and clusters, namespaces, public namespaces, export and import.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, launchBrowser, newPage, screenshotPath, signIn, startLyre } from "./harness.mjs";

let lyre;
let browser;
let admin;

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

const items = (env, app, cluster, ns) => `/api/v1/envs/${env}/apps/${app}/clusters/${cluster}/namespaces/${ns}/items`;

/** Signs in and opens `to`, once the apps page has settled. */
async function open(page, to) {
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);
  await page.waitForLoadState("networkidle");
  await page.goto(`${lyre.url}${to}`);
}

/** Waits for a success message, then closes it (toasts cover the bottom right corner). */
async function sawToast(page, text) {
  const toast = page.locator(".toast").filter({ hasText: text });
  await toast.getByRole("button", { name: "Dismiss" }).click();
  await toast.waitFor({ state: "detached" });
}

async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

test("a fresh install explains itself, and an app is created through a dialog that shows the API's validation", async () => {
  const { context, page, failed } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);

  await page.getByText("No apps yet").waitFor();
  await page.screenshot({ path: screenshotPath("apps-empty"), fullPage: true });

  await page.getByRole("button", { name: "Create your first app" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an app" });
  assert.equal(await dialog.getByLabel("Owner", { exact: true }).inputValue(), "admin", "the owner defaults to me");
  await dialog.getByLabel("App ID").fill("bad id!");
  await dialog.getByLabel("Name", { exact: true }).fill("Shop");
  await dialog.getByRole("button", { name: "Create app" }).click();
  await dialog.getByRole("alert").filter({ hasText: "invalid app id `bad id!`" }).waitFor();
  assert.equal(await dialog.getByLabel("App ID").getAttribute("aria-invalid"), "true", "the error is on the App ID field");

  await dialog.getByLabel("App ID").fill("shop");
  await dialog.getByLabel("Organisation", { exact: true }).fill("retail");
  await dialog.getByLabel("App ID").press("Enter");
  await page.waitForURL(`${lyre.url}/apps/shop`);
  await page.getByRole("heading", { name: "shop", level: 1 }).waitFor();
  await sawToast(page, "App shop created.");

  // A taken id is refused in the form too.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Apps" }).click();
  await page.getByRole("button", { name: "Create app" }).click();
  await dialog.getByLabel("App ID").fill("shop");
  await dialog.getByRole("button", { name: "Create app" }).click();
  await dialog.getByRole("alert").filter({ hasText: "app `shop` already exists" }).waitFor();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "detached" });

  assert.deepEqual(failed, []);
  await context.close();
});

test("apps are searched, paged, and favorites come first, also after a reload", async () => {
  for (const [appId, name] of [
    ["billing", "Billing service"],
    ["catalog", "Product catalog"],
    ["common", "Shared settings"],
  ]) {
    await admin.call("POST", "/api/v1/apps", { appId, name });
  }
  const { context, page, failed } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);
  const rows = page.locator("table.apps-table tbody tr");
  await page.getByTestId("app-row-common").waitFor();
  assert.equal(await rows.count(), 4);

  await page.getByLabel("Search apps").fill("catal");
  await page.waitForURL(/\?q=catal$/);
  await page.getByRole("heading", { name: "Apps matching “catal”" }).waitFor();
  await rows.first().getByText("Product catalog").waitFor();
  assert.equal(await rows.count(), 1);
  await page.getByLabel("Search apps").fill("nothing-like-it");
  await page.getByText("No app matches “nothing-like-it”").waitFor();
  await page.getByLabel("Search apps").fill("");
  await page.getByTestId("app-row-shop").waitFor();

  // Star catalog: it shows among the favorites and first in the list.
  await page.getByRole("button", { name: "Add catalog to favorites" }).click();
  await sawToast(page, "catalog added to your favorites.");
  const favorites = page.getByRole("list", { name: "Favorite apps" });
  await favorites.getByRole("link", { name: "catalog" }).waitFor();
  assert.equal(await rows.first().getAttribute("data-testid"), "app-row-catalog");

  await page.reload();
  await favorites.getByRole("link", { name: "catalog" }).waitFor();
  await page.getByTestId("app-row-shop").waitFor();
  assert.equal(await rows.first().getAttribute("data-testid"), "app-row-catalog", "favorites stay first after a reload");
  assert.equal(await page.getByRole("button", { name: "Remove catalog from favorites" }).first().getAttribute("aria-pressed"), "true");
  await page.getByRole("button", { name: "Add shop to favorites" }).click();
  await favorites.getByRole("link", { name: "shop" }).waitFor();
  await page.screenshot({ path: screenshotPath("apps"), fullPage: true });

  // Unstarring from the favorites card takes it out of the favorites.
  await favorites.getByRole("button", { name: "Remove catalog from favorites" }).click();
  await favorites.getByRole("link", { name: "catalog" }).waitFor({ state: "detached" });
  assert.deepEqual(await admin.call("GET", "/api/v1/favorites"), [{ appId: "shop" }], "only the user's own favorites changed");

  // Paging: 4 apps and 21 more make two pages of 20.
  for (let i = 0; i < 21; i++) {
    await admin.call("POST", "/api/v1/apps", { appId: `svc-${String(i).padStart(2, "0")}`, name: `Service ${i}` });
  }
  await page.reload();
  await page.getByText("Page 1 of 2").waitFor();
  assert.equal(await rows.count(), 20);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText("Page 2 of 2").waitFor();
  await page.waitForFunction(() => document.querySelectorAll("table.apps-table tbody tr").length === 5);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${lyre.url}/`);
  await favorites.getByRole("link", { name: "shop" }).waitFor();
  assert.ok((await overflow(page)) <= 0, "no horizontal scrolling on the apps list in a narrow window");
  await page.screenshot({ path: screenshotPath("apps-narrow"), fullPage: true });

  assert.deepEqual(failed, []);
  await context.close();
});

test("the overview goes across environments and clusters; namespaces are created and public ones associated", async () => {
  await admin.call("POST", items("DEV", "shop", "default", "application"), { key: "timeout", value: "30" });
  await admin.call("POST", "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/application/releases", { title: "First timeout" });
  await admin.call("POST", items("DEV", "shop", "default", "application"), { key: "color", value: "blue" });
  await admin.call("POST", items("PRO", "shop", "default", "application"), { key: "timeout", value: "60" });
  await admin.call("POST", "/api/v1/apps/common/appnamespaces", { name: "db", format: "properties", isPublic: true, comment: "Shared database" });
  await admin.call("POST", items("DEV", "common", "default", "db"), { key: "pool.size", value: "10" });

  const { context, page, failed } = await newPage(browser);
  await open(page, "/apps/shop");
  await page.getByRole("heading", { name: "shop", level: 1 }).waitFor();
  const envTabs = page.getByRole("tablist", { name: "Environment" });
  await envTabs.getByRole("tab", { name: /DEV/ }).waitFor();
  assert.equal(await envTabs.getByRole("tab").count(), 2);
  assert.equal(await envTabs.getByRole("tab", { name: /DEV/ }).getAttribute("aria-selected"), "true");

  const application = page.getByTestId("ns-application");
  await application.getByText("2 items").waitFor();
  await application.getByText("Unpublished changes").waitFor();
  await application.getByText(/First timeout · .* · admin/).waitFor();

  await envTabs.getByRole("tab", { name: /PRO/ }).click();
  await page.waitForURL(/env=PRO/);
  await application.getByText("1 item", { exact: true }).waitFor();

  // A second cluster in DEV, created through the dialog, is selected at once.
  await envTabs.getByRole("tab", { name: /DEV/ }).click();
  await page.getByRole("button", { name: "New cluster" }).click();
  const clusterDialog = page.getByRole("dialog", { name: "New cluster" });
  assert.equal(await clusterDialog.getByLabel("Environment").inputValue(), "DEV");
  await clusterDialog.getByLabel("Name", { exact: true }).fill("east");
  await clusterDialog.getByLabel("Comment").fill("East data centre");
  await clusterDialog.getByRole("button", { name: "Create cluster" }).click();
  await sawToast(page, "Cluster east created in DEV");
  const clusters = page.getByRole("group", { name: "Cluster" });
  assert.equal(await clusters.getByRole("button", { name: "east" }).getAttribute("aria-pressed"), "true");
  await page.waitForURL(/env=DEV&cluster=east/);
  await page.getByText("Namespaces in DEV / east").waitFor();
  await application.getByText("0 items").waitFor();
  await envTabs.getByRole("tab", { name: /DEV\s*2 clusters/ }).waitFor();

  // A private yaml namespace, created in every cluster.
  await page.getByRole("button", { name: "New namespace" }).click();
  const nsDialog = page.getByRole("dialog", { name: "New namespace" });
  await nsDialog.getByLabel("Name", { exact: true }).fill("settings");
  await nsDialog.getByLabel("Format").selectOption("yaml");
  await nsDialog.getByText("It will be called settings.yaml.").waitFor();
  await nsDialog.getByLabel("Comment").fill("Feature settings");
  await nsDialog.getByRole("button", { name: "Create namespace" }).click();
  await sawToast(page, "Namespace settings.yaml created");
  const settings = page.getByTestId("ns-settings.yaml");
  await settings.getByText("yaml", { exact: true }).waitFor();
  await settings.getByText("private", { exact: true }).waitFor();
  await clusters.getByRole("button", { name: "default" }).click();
  await settings.waitFor();

  // Its name is taken now: the dialog says so on the field.
  await page.getByRole("button", { name: "New namespace" }).click();
  await nsDialog.getByLabel("Name", { exact: true }).fill("settings");
  await nsDialog.getByLabel("Format").selectOption("yaml");
  await nsDialog.getByRole("button", { name: "Create namespace" }).click();
  await nsDialog.getByRole("alert").waitFor();
  assert.equal(await nsDialog.getByLabel("Name", { exact: true }).getAttribute("aria-invalid"), "true");
  await nsDialog.getByRole("button", { name: "Cancel" }).click();

  // Associate common's public db into DEV / east, then open it.
  await clusters.getByRole("button", { name: "east" }).click();
  await page.getByRole("button", { name: "Associate public namespace" }).click();
  const assoc = page.getByRole("dialog", { name: "Associate a public namespace" });
  await assoc.getByText("from common · properties · Shared database").waitFor();
  await assoc.getByRole("radio", { name: /db/ }).check();
  await assoc.getByRole("button", { name: "Associate" }).click();
  await sawToast(page, "db associated into DEV / east");
  const db = page.getByTestId("ns-db");
  await db.getByText("from common").waitFor();
  await page.screenshot({ path: screenshotPath("app-overview"), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await db.waitFor();
  assert.ok((await overflow(page)) <= 0, "no horizontal scrolling on the overview in a narrow window");
  await page.screenshot({ path: screenshotPath("app-overview-narrow"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });

  await db.getByRole("link", { name: "db" }).click();
  await page.waitForURL(`${lyre.url}/apps/shop/envs/DEV/clusters/east/namespaces/db`);
  await page.getByRole("heading", { name: "db", level: 1 }).waitFor();

  // Back: the overview remembers the environment and cluster.
  await page.goBack();
  await page.getByText("Namespaces in DEV / east").waitFor();

  assert.deepEqual(failed, []);
  await context.close();
});

test("an environment is exported and imported into another cluster: abort shows the conflict, overwrite imports", async () => {
  await admin.call("POST", items("DEV", "shop", "east", "application"), { key: "timeout", value: "99" });

  const { context, page, failed } = await newPage(browser);
  await open(page, "/apps/shop?env=DEV&cluster=east");
  await page.getByText("Namespaces in DEV / east").waitFor();

  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export DEV" }).click();
  const download = await downloading;
  assert.equal(download.suggestedFilename(), "shop-DEV.zip");
  const file = await download.path();
  await sawToast(page, "Exported DEV as shop-DEV.zip.");

  await page.getByRole("button", { name: "Import into DEV…" }).click();
  const dialog = page.getByRole("dialog", { name: "Import into DEV" });
  await dialog.getByLabel("Export file (.zip)").setInputFiles(file);
  await dialog.getByRole("cell", { name: "application.properties" }).first().waitFor();
  assert.equal(await dialog.getByLabel("Import default into").inputValue(), "default");
  assert.equal(await dialog.getByLabel("Import east into").inputValue(), "east");
  // default's files go into east; east's are left out.
  await dialog.getByLabel("Import default into").selectOption("east");
  await dialog.getByLabel("Import east into").selectOption({ label: "Leave out" });
  assert.equal(await dialog.getByRole("radio", { name: /Stop/ }).isChecked(), true, "abort is the default");
  await page.screenshot({ path: screenshotPath("app-import"), fullPage: true });
  await dialog.getByRole("button", { name: "Import" }).click();
  await dialog.getByRole("alert").filter({ hasText: "shop/east/application in DEV has these keys already: timeout" }).waitFor();
  let east = await admin.call("GET", items("DEV", "shop", "east", "application"));
  assert.deepEqual(east.map((i) => [i.key, i.value]), [["timeout", "99"]], "abort imports nothing");

  await dialog.getByRole("radio", { name: /Overwrite/ }).check();
  await dialog.getByRole("button", { name: "Import" }).click();
  const result = dialog.getByTestId("imported-east-application");
  await result.waitFor();
  const cells = await result.getByRole("cell").allInnerTexts();
  assert.match(cells[2], /1\s+color/, "color added");
  assert.match(cells[3], /1\s+timeout/, "timeout overwritten");
  await sawToast(page, /Imported into DEV: \d+ keys? added, 1 overwritten/);
  await page.screenshot({ path: screenshotPath("app-import-result"), fullPage: true });
  await dialog.getByRole("button", { name: "Done" }).click();
  await page.getByTestId("ns-application").getByText("2 items").waitFor();

  east = await admin.call("GET", items("DEV", "shop", "east", "application"));
  assert.deepEqual(
    Object.fromEntries(east.map((i) => [i.key, i.value])),
    { timeout: "30", color: "blue" },
    "overwrite gives east the exported values",
  );

  // Something that is not a zip is refused before it is sent.
  await page.getByRole("button", { name: "Import into DEV…" }).click();
  await dialog.getByLabel("Export file (.zip)").setInputFiles({ name: "notes.zip", mimeType: "application/zip", buffer: Buffer.from("hello") });
  await dialog.getByRole("alert").filter({ hasText: "This file is not a zip archive" }).waitFor();
  assert.equal(await dialog.getByRole("button", { name: "Import" }).isDisabled(), true);
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });

  assert.deepEqual(failed, []);
  await context.close();
});
