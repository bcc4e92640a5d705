// Signing in and out of the portal in a real browser, against a real `lyre`.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, launchBrowser, screenshotPath, startLyre } from "./harness.mjs";

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

test("admin signs in, sees their apps and every environment's services, and signs out", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const failedRequests = [];
  page.on("requestfailed", (r) => failedRequests.push(r.url()));

  await page.goto(lyre.url);
  await page.getByRole("heading", { name: "Sign in to Lyre" }).waitFor();
  await page.screenshot({ path: screenshotPath("signin"), fullPage: true });

  // A wrong password is refused with a message, and the password field is cleared.
  await page.getByLabel("User name").fill("admin");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await assert.doesNotReject(page.getByRole("alert").filter({ hasText: "invalid username or password" }).waitFor());
  assert.equal(await page.getByLabel("Password").inputValue(), "");

  // The right one, submitted with Enter, leads to the apps; the System page shows the services.
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByLabel("Password").press("Enter");
  await page.getByRole("heading", { name: "Apps", exact: true }).waitFor();
  assert.match(await page.getByTestId("current-user").innerText(), /Administrator/);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "System" }).click();
  await page.getByRole("heading", { name: "System" }).waitFor();

  for (const env of ["DEV", "PRO"]) {
    const card = page.getByTestId(`env-${env}`);
    await card.getByText("All services up").waitFor();
    assert.equal(await card.getByRole("cell", { name: "Config service" }).count(), 1);
    assert.equal(await card.getByRole("cell", { name: "Admin service" }).count(), 1);
    assert.equal(await card.getByText("Up", { exact: true }).count(), 3, "meta, config and admin are up");
  }
  // Each environment's rules: PRO requires review by default; the super admin switches it.
  const review = page.getByTestId("env-PRO").getByRole("checkbox", { name: "Review required" });
  assert.equal(await review.isChecked(), true);
  assert.equal(await page.getByTestId("env-DEV").getByRole("checkbox", { name: "Review required" }).isChecked(), false);
  // Turning it off takes protection away: it is asked first, naming the environment.
  await review.click();
  const ask = page.getByRole("dialog", { name: "Turn off review required in PRO?" });
  await ask.getByText("Anyone with the release role will publish to PRO at once").waitFor();
  await page.screenshot({ path: screenshotPath("system-rule-off") });
  await ask.getByRole("button", { name: "Cancel" }).click();
  await ask.waitFor({ state: "detached" });
  assert.equal(await review.isChecked(), true, "cancelled: nothing changed");
  await review.click();
  await ask.getByRole("button", { name: "Turn it off in PRO" }).click();
  await page.getByRole("status").filter({ hasText: "PRO: Review required is off." }).waitFor();
  assert.equal(await review.isChecked(), false);
  await review.click();
  await page.getByRole("status").filter({ hasText: "PRO: Review required is on." }).waitFor();
  assert.equal(await review.isChecked(), true);
  await page.screenshot({ path: screenshotPath("system"), fullPage: true });

  // The session survives a reload (the cookie), and the page fits a narrow window.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await page.getByRole("heading", { name: "System" }).waitFor();
  await page.getByTestId("env-PRO").getByText("All services up").waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling in a narrow window (overflow ${overflow}px)`);
  await page.screenshot({ path: screenshotPath("home-narrow"), fullPage: true });

  // Signing out returns to the sign-in page, and a reload does not sign back in.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByText("You are signed out.").waitFor();
  // The form shows once the page has asked for the sign-in methods; a reload before that
  // would abort the question (and count as a failed request).
  await page.getByLabel("User name").waitFor();
  await page.reload();
  await page.getByRole("heading", { name: "Sign in to Lyre" }).waitFor();

  assert.deepEqual(failedRequests, [], "no request failed");
  await context.close();
});
