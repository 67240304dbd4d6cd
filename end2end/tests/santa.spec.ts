import { test, expect } from "@playwright/test";
import { finishSignUp, followMailLink, freshEmail, newPerson, shot, signUpAndVerify, waitForHydration } from "./helpers";


/** The next whole minute at least 40 seconds away, as a datetime-local value in UTC (the browser's zone here). */
function revealSoon(): string {
  const t = new Date(Date.now() + 40_000);
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  return t.toISOString().slice(0, 16);
}

async function giveGift(page: Page, exchangePath: string, emojiName: string, message: string) {
  await page.goto(`${exchangePath}/gift`);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: /Your gift for/ })).toBeVisible();
  await page.getByLabel("Search").fill(emojiName);
  await page.locator(".emoji-option:not(.hidden) label").first().click();
  await page.getByLabel("Your message").fill(message);
  await page.getByRole("button", { name: "Save my gift" }).click();
  await expect(page.getByText("Saved. You can change it until the reveal.")).toBeVisible();
  await shot(page, "gift");
}

test("three people join, draw, two give, the reveal brings gifts, coal and a public wall of shame", async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const [ann, bob, dan] = [await newPerson(browser, baseURL), await newPerson(browser, baseURL), await newPerson(browser, baseURL)];
  const annEmail = freshEmail("ann");
  const bobEmail = freshEmail("bob");
  const danEmail = freshEmail("dan");
  await signUpAndVerify(ann, "Ann", annEmail);
  await signUpAndVerify(bob, "Bob", bobEmail);

  // Ann starts an exchange and invites Bob (registered) and Dan (no account yet).
  await ann.goto("/santa");
  await waitForHydration(ann);
  await expect(ann.getByText("No exchange yet")).toBeVisible();
  await ann.getByLabel("Name", { exact: true }).fill("Office party");
  await ann.getByRole("button", { name: "Create the exchange" }).click();
  await expect(ann.getByRole("heading", { name: "Office party" })).toBeVisible();
  const exchangePath = new URL(ann.url()).pathname;
  await ann.getByLabel("Email addresses").fill(`${bobEmail}\n${danEmail}, not-an-address`);
  await ann.getByRole("button", { name: "Send invitations" }).click();
  // The report does not say who already has an account.
  await expect(ann.getByText(`Invited: ${bobEmail}, ${danEmail}`)).toBeVisible();
  await expect(ann.getByText("Not email addresses, skipped: not-an-address")).toBeVisible();
  await shot(ann, "exchange-gathering");

  // Bob has an account: he is asked, not put in. He opens the invitation and joins.
  await followMailLink(bob, bobEmail, "You are invited to the Secret Santa");
  await bob.getByRole("button", { name: "Continue as Bob" }).click();
  await expect(bob.getByRole("heading", { name: "Office party" })).toBeVisible();
  await expect(bob.getByText("Once you're in, you're in")).toBeVisible();
  await shot(bob, "invitation");
  await waitForHydration(bob);
  await bob.getByRole("button", { name: "Join", exact: true }).click();
  await expect(bob.getByText("Members (2)")).toBeVisible();

  // Dan follows the invitation, signs up with the address filled in, verifies, and is in.
  await followMailLink(dan, danEmail, "You are invited to the Secret Santa");
  await finishSignUp(dan, "Dan", danEmail);
  await expect(dan.getByRole("heading", { name: "Office party" })).toBeVisible();
  await expect(dan.getByText("Members (3)")).toBeVisible();
  await waitForHydration(dan);

  // Ann draws, with the reveal a short time ahead.
  await ann.reload();
  await waitForHydration(ann);
  await expect(ann.getByText("Members (3)")).toBeVisible();
  await ann.getByLabel("Presents open on").fill(revealSoon());
  await ann.getByRole("button", { name: "Draw the names" }).click();
  await expect(ann.getByText("Names drawn")).toBeVisible();
  // Dan's open page follows along without a reload.
  await expect(dan.getByText("Names drawn")).toBeVisible();

  // Ann and Bob give; Dan forgets.
  await giveGift(ann, exchangePath, "socks", "Warm feet for winter!");
  await giveGift(bob, exchangePath, "cake", "Something sweet.");

  // Ann leaves her recipient an anonymous note; they read it signed "Your Secret Santa".
  const annHeading = await ann.getByRole("heading", { name: /Your gift for/ }).innerText();
  const recipient = annHeading.replace("Your gift for ", "").trim();
  await ann.getByLabel(`Write to ${recipient} anonymously`).fill("Guess who? Happy holidays!");
  await ann.getByRole("button", { name: "Send the note" }).click();
  await expect(ann.locator(".notes")).toContainText("Guess who? Happy holidays!");
  const reader = recipient === "Bob" ? bob : dan;
  await reader.goto(exchangePath);
  await expect(reader.locator(".notes")).toContainText("Guess who? Happy holidays!");
  await expect(reader.locator(".notes .who")).toHaveText(["Your Secret Santa"]);
  await expect(reader.locator(".notes")).not.toContainText("Ann");

  // The reveal happens on the clock (the background worker), then everyone opens.
  const opened: string[] = [];
  for (const page of [ann, bob, dan]) {
    await expect(async () => {
      await page.goto(`${exchangePath}/present`);
      await expect(page.getByRole("heading", { name: "Your present" })).toBeVisible({ timeout: 2000 });
    }).toPass({ timeout: 150_000, intervals: [3000] });
    await expect(page.locator(".inside")).toBeVisible();
    await page.waitForTimeout(2000);
    await shot(page, `present-${opened.length}`);
    opened.push(await page.locator(".inside").innerText());
  }
  const coal = opened.filter((t) => t.includes("A lump of coal"));
  expect(coal).toHaveLength(1);
  expect(coal[0]).toContain("Dan never chose a gift");
  expect(opened.filter((t) => t.includes("Warm feet for winter!") || t.includes("Something sweet."))).toHaveLength(2);

  // The wall of shame names the grinch, readable signed out at its shareable address.
  await ann.goto(exchangePath);
  const wallPath = await ann.getByRole("link", { name: "Wall of shame" }).getAttribute("href");
  expect(wallPath).toMatch(/^\/shame\/[A-Za-z0-9_-]{22}$/);
  const stranger = await newPerson(browser, baseURL);
  await stranger.goto(wallPath!);
  await expect(stranger.getByRole("heading", { name: "Wall of shame" })).toBeVisible();
  await expect(stranger.locator(".grinches")).toContainText("Dan");
  await expect(stranger.locator(".grinches")).not.toContainText("Ann");
  await expect(stranger.locator('meta[property="og:title"]')).toHaveAttribute("content", /Wall of shame/);
  await expect(stranger.getByRole("button", { name: /Boo/ })).toHaveCount(0);
  await shot(stranger, "wall-signed-out");

  // A member boos the grinch.
  await bob.goto(wallPath!);
  await waitForHydration(bob);
  await bob.getByRole("button", { name: "Boo Dan" }).click();
  await expect(bob.locator(".grinches")).toContainText("1 boo");
});
