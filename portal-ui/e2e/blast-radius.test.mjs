// Who a publish would reach, in a real browser against a real `lyre`: eight simulated app
// instances read the config service (in cluster default, in a cluster that falls back to
// default's release, in a cluster with its own release, one built with a schema); the main
// publish, gray publish and rollout dialogs and a release request's page count them before
// anything goes out, warn where an instance's schema would refuse the release, and the main
// publish reaches exactly the instances its dialog counted.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, launchBrowser, newPage, screenshotPath, signIn, startLyre, schemaHash } from "./harness.mjs";

let lyre;
let browser;
let admin;

const APP = "fleet";
const NS = `/api/v1/envs/DEV/apps/${APP}/clusters/default/namespaces/application`;
const PAGE = `/apps/${APP}/envs/DEV/clusters/default/namespaces/application`;

/** Version 1 of the namespace's schema: the pool size is a whole number. */
const SCHEMA_V1 = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: {
    db: {
      type: "object",
      properties: { url: { type: "string" }, pool_size: { type: "integer", minimum: 1 } },
      required: ["url", "pool_size"],
    },
  },
  required: ["db"],
};
/** Version 2, pushed before any instance runs it: the pool size may be any text. */
const SCHEMA_V2 = {
  ...SCHEMA_V1,
  properties: { db: { ...SCHEMA_V1.properties.db, properties: { url: { type: "string" }, pool_size: { type: "string" } } } },
};

/**
 * The app's instances: five read cluster default, one cluster `sh` (no release of its own, so
 * it falls back to default's), one cluster `east` (its own release: main's publish of default
 * does not reach it). 10.3.0.3 was built with version 1 of the schema.
 */
const INSTANCES = [
  { ip: "10.3.0.1", label: "blue" },
  { ip: "10.3.0.2", label: "blue" },
  { ip: "10.3.0.3", label: "green", hash: schemaHash(SCHEMA_V1) },
  { ip: "10.3.0.4", label: "" },
  { ip: "10.3.0.5", label: "amber" },
  { ip: "10.3.0.6", label: "blue", cluster: "sh" },
  { ip: "10.3.0.7", label: "canary", cluster: "east" },
  { ip: "10.3.0.8", label: "violet" },
];
const RECEIVERS = INSTANCES.filter((i) => i.cluster !== "east").map((i) => i.ip);

/** What one instance reads from the config service, as Lyre's SDK asks it. */
async function read({ ip, label, cluster = "default", hash }) {
  const q = new URLSearchParams({ ip, ...(label ? { label } : {}), ...(hash ? { schemaHash: hash } : {}) });
  const response = await fetch(`${lyre.configUrl}/configs/${APP}/${cluster}/application?${q}`);
  assert.equal(response.status, 200, `${ip} reads ${cluster}`);
  return response.json();
}

async function readAll() {
  const answers = {};
  for (const instance of INSTANCES) answers[instance.ip] = await read(instance);
  return answers;
}

/**
 * Asks `get` until `done` holds of its answer (the config service records reads in the
 * background), for at most 10 s; answers the last.
 */
async function until(get, done, what) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The portal's blast radius of main's publish once `done` holds of it. */
const radiusOnceRecorded = (done, what) => until(() => admin.call("POST", `${NS}/blast-radius`, {}), done, what);

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
  await admin.call("POST", "/api/v1/apps", { appId: APP, name: "Fleet" });
  await admin.call("POST", `/api/v1/envs/DEV/apps/${APP}/clusters`, { name: "sh" });
  await admin.call("POST", `/api/v1/envs/DEV/apps/${APP}/clusters`, { name: "east" });
  await admin.call("POST", `${NS}/items`, { key: "db.url", value: "postgres://db/fleet" });
  await admin.call("POST", `${NS}/items`, { key: "db.pool-size", value: "10" });
  await admin.call("POST", `${NS}/releases`, { title: "baseline" });
  const east = NS.replace("/clusters/default/", "/clusters/east/");
  await admin.call("POST", `${east}/items`, { key: "db.url", value: "postgres://east/fleet" });
  await admin.call("POST", `${east}/items`, { key: "db.pool-size", value: "4" });
  await admin.call("POST", `${east}/releases`, { title: "east baseline" });
  for (const document of [SCHEMA_V1, SCHEMA_V2]) {
    await admin.call("PUT", `/api/v1/apps/${APP}/namespaces/application/schema`, { document });
  }
  const answers = await readAll();
  assert.equal(answers["10.3.0.6"].cluster, "default", "sh falls back to default's release");
  assert.equal(answers["10.3.0.7"].cluster, "east");
  await radiusOnceRecorded((r) => r.live === INSTANCES.length && r.schemas.length === 1, "every read recorded");
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

const squash = (text) => text.replace(/\s+/g, " ").trim();

/** What a blast radius section says: its reach, its breakdowns, its IPs and its warnings. */
async function radiusOf(scope) {
  const section = scope.getByTestId("blast-radius");
  await section.getByTestId("radius-reach").waitFor();
  // A section still asking again (a rollout's steps typed) says so; wait for its answer.
  await section.and(scope.locator('[aria-busy="false"]')).waitFor();
  const text = async (id) => {
    const part = section.getByTestId(id);
    return (await part.count()) ? squash(await part.innerText()) : null;
  };
  const ips = section.getByTestId("radius-ips");
  let ipList = [];
  if (await ips.count()) {
    if ((await ips.getAttribute("open")) === null) await ips.locator("summary").click();
    ipList = await ips.getByRole("listitem").allInnerTexts();
  }
  return {
    reach: await text("radius-reach"),
    clusters: await text("radius-clusters"),
    branches: await text("radius-branches"),
    labels: await text("radius-labels"),
    ips: ipList,
    rejecting: (await section.getByTestId("radius-rejecting").allInnerTexts()).map(squash),
  };
}

async function openPublish(page) {
  await page.goto(`${lyre.url}${PAGE}`);
  await page.getByRole("heading", { name: "application", exact: true, level: 1 }).waitFor();
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  return page.getByRole("dialog", { name: "Publish application" });
}

test("the publish dialogs and a release request say which live instances a publish reaches, and which would refuse it", async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);

  // Main's publish: every live instance served default's release, not east's.
  await admin.call("PUT", `${NS}/items/db.url`, { value: "postgres://db2/fleet" });
  let dialog = await openPublish(page);
  let radius = await radiusOf(dialog);
  assert.deepEqual(radius, {
    reach: "Reaches 7 of 8 live instances (seen in the last 3 min)",
    clusters: "Clusters default 6 · sh 1",
    branches: null,
    labels: "Labels blue 3 · (none) 1 · amber 1 · green 1 and 1 more",
    ips: RECEIVERS,
    rejecting: [],
  });
  await page.screenshot({ path: screenshotPath("blast-radius-publish") });
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // A pool size that is not a number: the instance built with version 1 would refuse it
  // (version 2, which no instance runs, would take it).
  await admin.call("PUT", `${NS}/items/db.pool-size`, { value: "many" });
  dialog = await openPublish(page);
  radius = await radiusOf(dialog);
  assert.equal(radius.reach, "Reaches 7 of 8 live instances (seen in the last 3 min)");
  assert.deepEqual(radius.rejecting, [
    '1 instance runs schema version 1, which would refuse this release: db.pool-size "many" is not of type "integer"',
  ]);
  await page.screenshot({ path: screenshotPath("blast-radius-refused") });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await admin.call("PUT", `${NS}/items/db.pool-size`, { value: "20" });

  // A gray branch whose rule selects label green: its publish reaches that instance only.
  const { branchName } = await admin.call("POST", `${NS}/branches`, {});
  const branchApi = `${NS}/branches/${encodeURIComponent(branchName)}`;
  await admin.call("PUT", `${branchApi}/overrides/db.url`, { value: "postgres://gray/fleet", comment: "", deleted: false });
  await admin.call("PUT", `${branchApi}/rules`, { ruleItems: [{ clientAppId: APP, clientLabelList: ["green"] }] });
  await page.goto(`${lyre.url}${PAGE}?tab=gray`);
  await page.getByTestId("gray-branch").waitFor();
  await page.getByRole("button", { name: "Gray publish", exact: true }).click();
  dialog = page.getByRole("dialog", { name: "Gray publish" });
  radius = await radiusOf(dialog);
  assert.deepEqual(radius, {
    reach: "Reaches 1 of 8 live instances (seen in the last 3 min)",
    clusters: "Clusters default 1",
    branches: null,
    labels: "Labels green 1",
    ips: ["10.3.0.3"],
    rejecting: [],
  });
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // A rollout's first step: the share typed, counted again as the steps change.
  await page.getByRole("button", { name: "Roll out in steps" }).click();
  dialog = page.getByRole("dialog", { name: "Roll out in steps" });
  await dialog.getByLabel("Steps").fill("100");
  await dialog.getByTestId("blast-radius").getByText("Who the first step (100 %) reaches").waitFor();
  await dialog.getByTestId("radius-reach").filter({ hasText: "Reaches 7 of 8 live instances" }).waitFor();
  radius = await radiusOf(dialog);
  assert.equal(radius.reach, "Reaches 7 of 8 live instances (seen in the last 3 min)");
  assert.deepEqual(radius.ips, RECEIVERS);
  await page.screenshot({ path: screenshotPath("blast-radius-rollout") });
  // Steps that do not parse ask nothing.
  await dialog.getByLabel("Steps").fill("ten");
  await dialog.getByTestId("blast-radius").waitFor({ state: "detached" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  assert.deepEqual(await admin.call("GET", `${NS}/rollouts`), [], "no rollout was started");

  // Main's publish for real: the instances the dialog counted, and only they, get its release.
  dialog = await openPublish(page);
  radius = await radiusOf(dialog);
  assert.equal(radius.reach, "Reaches 7 of 8 live instances (seen in the last 3 min)");
  const counted = radius.ips;
  await dialog.getByLabel("Release title").fill("second database");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await page.getByRole("status").filter({ hasText: "Published “second database”." }).waitFor();
  const latest = await admin.call("GET", `${NS}/releases/latest`);
  const answers = await readAll();
  const holding = await until(
    () => admin.call("GET", `/api/v1/envs/DEV/releases/${latest.id}/instances?size=100`),
    (page) => page.items.length >= counted.length && page.total >= counted.length,
    "the new release's readers recorded",
  );
  assert.deepEqual(holding.items.map((i) => i.ip).sort(), counted, "exactly the instances counted hold the new release");
  assert.ok(holding.items.every((i) => i.releaseKey === latest.releaseKey));
  assert.equal(answers["10.3.0.7"].cluster, "east");
  assert.notEqual(answers["10.3.0.7"].releaseKey, latest.releaseKey);

  // Once the branch is gray-published its instance is on it, and main's publish (which
  // republishes the branch) counts it under the branch.
  const branch = await admin.call("GET", `${NS}/branches`);
  await admin.call("POST", `${branchApi}/releases`, { title: "gray database", revision: branch.revision });
  assert.equal((await read(INSTANCES[2])).cluster, branchName);
  await radiusOnceRecorded((r) => r.branches.length === 1, "the read of the branch recorded");
  await admin.call("PUT", `${NS}/items/db.pool-size`, { value: "24" });
  dialog = await openPublish(page);
  radius = await radiusOf(dialog);
  assert.equal(radius.reach, "Reaches 7 of 8 live instances (seen in the last 3 min)");
  assert.equal(radius.branches, `Gray branch ${branchName} 1`);
  assert.equal(radius.clusters, "Clusters default 6 · sh 1");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // Where DEV requires review, a release request's page says whom its publish would reach:
  // main's for a request of main, the branch's rules for a request of the branch.
  await admin.call("PUT", "/api/v1/envs/DEV/settings", { reviewRequired: true });
  const request = await admin.call("POST", `${NS}/release-requests`, { title: "bigger pool" });
  await page.goto(`${lyre.url}/release-requests/${request.id}`);
  await page.getByRole("heading", { name: `#${request.id} bigger pool` }).waitFor();
  const card = page.locator(".radius-card");
  await card.getByText("Who its publish reaches").waitFor();
  radius = await radiusOf(page);
  assert.equal(radius.reach, "Reaches 7 of 8 live instances (seen in the last 3 min)");
  assert.equal(radius.clusters, "Clusters default 6 · sh 1");
  assert.deepEqual(radius.ips, RECEIVERS);
  await page.screenshot({ path: screenshotPath("blast-radius-request"), fullPage: true });
  await admin.call("POST", `/api/v1/release-requests/${request.id}/withdraw`);
  await page.reload();
  await page.locator(".request-status").getByText("Withdrawn").waitFor();
  assert.equal(await page.getByTestId("blast-radius").count(), 0, "a closed request reaches nobody");

  await admin.call("PUT", `${branchApi}/overrides/db.url`, { value: "postgres://gray2/fleet", comment: "", deleted: false });
  const grayRequest = await admin.call("POST", `${NS}/release-requests`, { title: "gray pool", branchName });
  await page.goto(`${lyre.url}/release-requests/${grayRequest.id}`);
  await card.getByText("Who its gray publish reaches").waitFor();
  radius = await radiusOf(page);
  assert.equal(radius.reach, "Reaches 1 of 8 live instances (seen in the last 3 min)");
  assert.equal(radius.branches, `Gray branch ${branchName} 1`);
  assert.deepEqual(radius.ips, ["10.3.0.3"]);
  await context.close();
});

test("with no live instance the dialog says so, and publishing works while the radius cannot be read", async () => {
  await admin.call("PUT", "/api/v1/envs/DEV/settings", { reviewRequired: false });
  await admin.call("POST", "/api/v1/apps", { appId: "quiet", name: "Quiet" });
  const quiet = NS.replace(`/apps/${APP}/`, "/apps/quiet/");
  await admin.call("POST", `${quiet}/items`, { key: "mode", value: "calm" });
  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);
  await page.goto(`${lyre.url}${PAGE.replace(`/apps/${APP}/`, "/apps/quiet/")}`);
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  let dialog = page.getByRole("dialog", { name: "Publish application" });
  const reach = dialog.getByTestId("radius-reach");
  await reach.getByText("No live instances").waitFor();
  assert.match(squash(await reach.innerText()), /^No live instances read application in DEV in the last 3 min/);
  assert.equal(await dialog.getByTestId("radius-ips").count(), 0);
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // The radius is advice: when it cannot be read the dialog says so and publishes anyway.
  await page.route("**/blast-radius", (route) =>
    route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ code: "unavailable", message: "The admin service is away." }) }),
  );
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  dialog = page.getByRole("dialog", { name: "Publish application" });
  await dialog.getByTestId("radius-error").getByText("The admin service is away.").waitFor();
  await dialog.getByLabel("Release title").fill("calm");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await page.getByRole("status").filter({ hasText: "Published “calm”." }).waitFor();
  await context.close();
});
