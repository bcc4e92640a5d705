// The review workflow in a real browser: a reviewer sees what waits for them, comments,
// approves or rejects; a stale request is marked and refreshed; the author publishes.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, createUser, launchBrowser, newPage, screenshotPath, signIn, startLyre } from "./harness.mjs";

let lyre;
let browser;
let admin;
let alice;
let passwords;
const PRO = "/api/v1/envs/PRO/apps/shop/clusters/default/namespaces/application";

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
  passwords = {};
  for (const user of ["alice", "bob", "carol"]) {
    passwords[user] = await createUser(admin, user, user[0].toUpperCase() + user.slice(1));
  }
  await admin.call("POST", "/api/v1/apps", { appId: "shop", name: "Shop", ownerName: "alice" });
  await admin.call("POST", "/api/v1/apps/shop/roles", { user: "bob", role: "release", namespace: "*" });
  await admin.call("POST", "/api/v1/apps/shop/roles", { user: "carol", role: "modify", namespace: "*" });
  alice = await apiAs(lyre.url, "alice", passwords.alice);
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

test("a reviewer approves, a stale request is refreshed, and the author publishes", async () => {
  await alice.call("POST", `${PRO}/items`, { key: "checkout.timeout", value: "30" });
  const opened = await alice.call("POST", `${PRO}/release-requests`, { title: "Longer checkout timeout", comment: "The payment provider is slow today." });

  // Bob sees it waiting for him, with its changes.
  const bob = await newPage(browser);
  await signIn(bob.page, lyre.url, "bob", passwords.bob);
  // The navigation counts what waits for him, on every page.
  const waiting = bob.page.getByTestId("waiting-reviews");
  await waiting.waitFor();
  assert.equal(await waiting.getAttribute("title"), "1 waiting for your review");
  assert.equal(await waiting.textContent(), "1 waiting for your review", "read out with its meaning");
  await bob.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Release requests" }).click();
  await bob.page.getByRole("tab", { name: "Waiting for my review" }).waitFor();
  const row = bob.page.getByTestId(`request-${opened.id}`);
  await row.getByText("Waiting for review").waitFor();
  await bob.page.screenshot({ path: screenshotPath("requests"), fullPage: true });
  await row.getByRole("link", { name: /Longer checkout timeout/ }).click();
  await bob.page.getByRole("heading", { name: `#${opened.id} Longer checkout timeout` }).waitFor();
  await bob.page.getByText("The payment provider is slow today.").waitFor();
  const diff = bob.page.getByTestId("diff-checkout.timeout");
  await diff.getByText("Added").waitFor();
  await diff.getByText("30").waitFor();

  // Carol may change the namespace but not release it: she reads the request, and is offered
  // no review she could not give.
  const carolPage = await newPage(browser);
  await signIn(carolPage.page, lyre.url, "carol", passwords.carol);
  await carolPage.page.goto(`${lyre.url}/release-requests/${opened.id}`);
  await carolPage.page.getByTestId("no-review-role").getByText("you hold none there").waitFor();
  assert.equal(await carolPage.page.getByRole("button", { name: "Approve" }).count(), 0);
  assert.equal(await carolPage.page.getByRole("button", { name: "Reject" }).count(), 0);
  await carolPage.context.close();

  // Carol edits the namespace meanwhile: the request goes stale and cannot be approved.
  const carol = await apiAs(lyre.url, "carol", passwords.carol);
  await carol.call("PUT", `${PRO}/items/checkout.timeout`, { value: "45" });
  await bob.page.reload();
  await bob.page.getByText("This request is stale.").waitFor();
  assert.equal(await bob.page.getByRole("button", { name: "Approve" }).isDisabled(), true);
  await bob.page.screenshot({ path: screenshotPath("request-stale"), fullPage: true });
  // Refreshing is for the author (or someone who may edit): bob is told so, alice does it.
  await bob.page.getByRole("button", { name: "Refresh changes" }).click();
  await bob.page.getByRole("alert").filter({ hasText: "refreshes it" }).waitFor();
  const author = await newPage(browser);
  await signIn(author.page, lyre.url, "alice", passwords.alice);
  await author.page.goto(`${lyre.url}/release-requests/${opened.id}`);
  await author.page.getByRole("button", { name: "Refresh changes" }).click();
  await author.page.getByRole("status").filter({ hasText: "waits for approval again" }).waitFor();
  await bob.page.reload();
  await bob.page.getByTestId("diff-checkout.timeout").getByText("45").waitFor();
  assert.equal(await bob.page.getByText("This request is stale.").count(), 0);

  // Bob approves with a comment.
  await bob.page.getByLabel("Comment").fill("Checked with the payments team.");
  await bob.page.getByRole("button", { name: "Approve" }).click();
  await bob.page.getByRole("status").filter({ hasText: "Approved." }).waitFor();
  await bob.page.locator(".request-status").getByText("Approved").waitFor();
  await bob.page.locator(".timeline").getByText("Checked with the payments team.").waitFor();
  await waiting.waitFor({ state: "detached" });

  // Alice, the author, publishes the approved request.
  await author.page.goto(`${lyre.url}/release-requests?view=mine`);
  await author.page.getByTestId(`request-${opened.id}`).getByText("Approved").waitFor();
  await author.page.getByTestId(`request-${opened.id}`).click();
  await author.page.getByText("Approved by bob.", { exact: false }).waitFor();
  await author.page.getByRole("button", { name: "Publish" }).click();
  // Publishing to PRO is asked once more, naming it.
  const ask = author.page.getByRole("dialog", { name: "Publish to PRO?" });
  await ask.getByText("goes out at once to every client of shop / default / application in PRO").waitFor();
  await ask.getByRole("button", { name: "Cancel" }).click();
  await ask.waitFor({ state: "detached" });
  await author.page.locator(".request-status").getByText("Approved").waitFor();
  await author.page.getByRole("button", { name: "Publish" }).click();
  await ask.getByRole("button", { name: "Publish to PRO" }).click();
  await author.page.getByRole("status").filter({ hasText: "Published as release" }).waitFor();
  await author.page.locator(".request-status").getByText("Published").waitFor();
  await author.page.screenshot({ path: screenshotPath("request-published"), fullPage: true });
  const latest = await alice.call("GET", `${PRO}/releases/latest`);
  assert.deepEqual(latest.configurations, { "checkout.timeout": "45" });

  // Nothing waits for bob any more.
  await bob.page.goto(`${lyre.url}/release-requests`);
  await bob.page.getByText("Nothing waits for your review.").waitFor();
  await bob.context.close();
  await author.context.close();
});

test("a reviewer rejects with a reason; the author sees it and may not review their own", async () => {
  await alice.call("PUT", `${PRO}/items/checkout.timeout`, { value: "600" });
  const opened = await alice.call("POST", `${PRO}/release-requests`, { title: "Ten minutes" });

  const author = await newPage(browser);
  await signIn(author.page, lyre.url, "alice", passwords.alice);
  await author.page.goto(`${lyre.url}/release-requests/${opened.id}`);
  await author.page.getByText("Nobody approves their own request.").waitFor();
  assert.equal(await author.page.getByRole("button", { name: "Approve" }).count(), 0);

  const bob = await newPage(browser);
  await signIn(bob.page, lyre.url, "bob", passwords.bob);
  await bob.page.goto(`${lyre.url}/release-requests/${opened.id}`);
  await bob.page.getByLabel("Comment").fill("Ten minutes is too long; try 60 seconds.");
  await bob.page.getByRole("button", { name: "Reject" }).click();
  await bob.page.locator(".request-status").getByText("Rejected").waitFor();

  await author.page.reload();
  await author.page.locator(".timeline").getByText("Ten minutes is too long; try 60 seconds.").waitFor();
  await author.page.getByText("Rejected. Change the namespace and open a new request.").waitFor();

  // A new request can be opened, and withdrawn by its author.
  const again = await alice.call("POST", `${PRO}/release-requests`, { title: "Ten minutes, again" });
  await author.page.goto(`${lyre.url}/release-requests/${again.id}`);
  await author.page.getByRole("button", { name: "Withdraw" }).click();
  await author.page.locator(".request-status").getByText("Withdrawn").waitFor();
  await bob.context.close();
  await author.context.close();
});
