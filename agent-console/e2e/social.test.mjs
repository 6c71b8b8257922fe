// Friends and groups in the console, with two people in two browser
// contexts (see .ci/browser, which starts a fresh server and sets PARLEY_URL).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { BASE, adminToken, launch, restOk, watch } from './helpers.mjs'

function person(name) {
  const suffix = randomBytes(3).toString('hex')
  return {
    username: `${name.toLowerCase()}${suffix}`,
    email: `${name.toLowerCase()}${suffix}@example.com`,
    password: `${name} password 123`,
    nickname: `${name} ${suffix}`,
  }
}

const alice = person('Alice')
const brian = person('Brian')

let browser
const sides = {}

// Friends and groups need a verified e-mail: the admin creates verified
// accounts (a registered one would first follow the link from its mail).
async function createVerified(u, admin) {
  await restOk(
    'POST',
    '/api/v1/admin/users',
    { username: u.username, email: u.email, password: u.password, nickname: u.nickname, role: 'user', verified: true },
    admin,
    [201],
  )
}

async function signIn(u) {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const explain = watch(page)
  try {
    await page.goto(`${BASE}/console/#/login`)
    await page.getByTestId('login-username').fill(u.username)
    await page.getByTestId('login-password').fill(u.password)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('nav-friends').waitFor()
    await page.getByTestId('connection-status').waitFor({ state: 'detached' })
  } catch (err) {
    await explain(err)
  }
  return { context, page, explain }
}

before(async () => {
  const admin = await adminToken() // waits for the first-run setup (console.test.mjs's, or its own)
  await createVerified(alice, admin)
  await createVerified(brian, admin)
  browser = await launch()
  sides.alice = await signIn(alice)
  sides.brian = await signIn(brian)
})

after(async () => {
  await browser?.close()
})

const messageWithText = (p, text) =>
  p.getByTestId('message').filter({ has: p.getByTestId('message-body').getByText(text, { exact: true }) })

async function step(side, fn) {
  try {
    await fn(side.page)
  } catch (err) {
    await side.explain(err)
  }
}

test('two people become friends through the console and chat', async () => {
  const { alice: a, brian: b } = sides

  await step(a, async (p) => {
    await p.getByTestId('nav-friends').click()
    await p.getByTestId('friends-tab-add').click()
    await p.getByTestId('friend-search-input').fill(brian.username)
    const result = p.getByTestId('friend-search-result').filter({ hasText: `@${brian.username}` })
    await result.getByTestId('add-friend').click()
    await result.getByTestId('friend-request-message').fill('Hi Brian, it is Alice')
    await result.getByTestId('send-friend-request').click()
    await p.getByTestId('friend-search-notice').getByText(/Friend request sent/).waitFor()
  })

  await step(b, async (p) => {
    // The request arrives live: the badge on the rail counts it.
    const badge = p.getByTestId('nav-friends-badge')
    await badge.waitFor()
    assert.equal((await badge.innerText()).trim(), '1')
    await p.getByTestId('nav-friends').click()
    await p.getByTestId('friends-tab-requests').click()
    const item = p.locator('[data-testid="friend-request-item"][data-box="incoming"]').filter({ hasText: alice.nickname })
    await item.getByText('Hi Brian, it is Alice').waitFor()
    await item.getByTestId('request-accept').click()
    await item.waitFor({ state: 'detached' })
    await badge.waitFor({ state: 'detached' })
    await p.getByTestId('friends-tab-list').click()
    await p.getByTestId('friend-item').filter({ hasText: alice.nickname }).waitFor()
  })

  await step(a, async (p) => {
    // Alice's list updates without a reload, with Brian shown online.
    await p.getByTestId('friends-tab-list').click()
    const friend = p.getByTestId('friend-item').filter({ hasText: brian.nickname })
    await friend.waitFor()
    await friend.locator('[data-testid="presence-dot"][data-status="online"]').waitFor()
    await friend.click()
    await p.getByTestId('friend-message').click()
    await p.waitForURL(/#\/chats\/\d+$/)
    await p.getByTestId('composer-input').fill('hello friend')
    await p.getByTestId('composer-send').click()
    await p.locator('[data-testid="message"][data-state="sent"]').filter({ hasText: 'hello friend' }).waitFor()
  })

  await step(b, async (p) => {
    await p.getByTestId('nav-chats').click()
    await p.getByTestId('chat-item').filter({ hasText: alice.nickname }).click()
    await messageWithText(p, 'hello friend').waitFor()
    await p.getByTestId('composer-input').fill('hello Alice')
    await p.getByTestId('composer-input').press('Enter')
  })

  await step(a, async (p) => {
    await messageWithText(p, 'hello Alice').waitFor()
    assert.deepEqual(await p.getByTestId('message-body').allInnerTexts(), ['hello friend', 'hello Alice'])
  })
})

test('a group made in the console, joined by invite link, with a live group message', async () => {
  const { alice: a, brian: b } = sides
  const groupName = `Climbers ${randomBytes(2).toString('hex')}`
  let inviteUrl

  await step(a, async (p) => {
    await p.getByTestId('nav-groups').click()
    await p.getByTestId('group-create-open').click()
    await p.getByTestId('group-create-name').fill(groupName)
    await p.getByTestId('group-create-submit').click()
    await p.waitForURL(/#\/groups\/\d+$/)
    await p.getByTestId('group-item').filter({ hasText: groupName }).waitFor()
    await p.getByTestId('chat-title').getByText(groupName).waitFor()
    await p.getByTestId('system-message').first().waitFor()
    await p.locator('[data-testid="member-item"][data-role="owner"]').waitFor()
    await p.getByTestId('invite-create').click()
    const url = p.getByTestId('invite-url').first()
    await url.waitFor()
    inviteUrl = await url.inputValue()
  })
  assert.match(inviteUrl, /\/console\/#\/invite\/[A-Za-z0-9_-]+$/)

  await step(b, async (p) => {
    await p.goto(inviteUrl)
    await p.getByTestId('invite-group-name').getByText(groupName).waitFor()
    await p.getByTestId('invite-accept').click()
    await p.waitForURL(/#\/groups\/\d+$/)
    await p.getByTestId('chat-title').getByText(groupName).waitFor()
  })

  await step(a, async (p) => {
    // The join shows up live: a system line in the chat and a second member.
    await p.getByTestId('system-message').filter({ hasText: brian.nickname }).waitFor()
    await p.getByTestId('member-item').filter({ hasText: brian.nickname }).waitFor()
    assert.equal(await p.getByTestId('member-item').count(), 2)
    await p.getByTestId('composer-input').fill('welcome to the group')
    await p.getByTestId('composer-send').click()
    await p.locator('[data-testid="message"][data-state="sent"]').filter({ hasText: 'welcome to the group' }).waitFor()
  })

  await step(b, async (p) => {
    const m = messageWithText(p, 'welcome to the group')
    await m.waitFor()
    // Group messages name their sender.
    assert.equal((await m.getByTestId('message-sender').innerText()).trim(), alice.nickname)
    // System lines are not bubbles.
    assert.equal(await p.getByTestId('system-message').getByTestId('message-body').count(), 0)
    await p.getByTestId('composer-input').fill('thanks!')
    await p.getByTestId('composer-input').press('Enter')
  })

  await step(a, async (p) => {
    const m = messageWithText(p, 'thanks!')
    await m.waitFor()
    assert.equal((await m.getByTestId('message-sender').innerText()).trim(), brian.nickname)
  })
})

test('dead add-me and invite links say so', async () => {
  const { brian: b } = sides
  await step(b, async (p) => {
    await p.goto(`${BASE}/console/#/add/no-such-code`)
    await p.getByTestId('add-invalid').getByText('This link is no longer valid').waitFor()
    await p.goto(`${BASE}/console/#/invite/no-such-token`)
    await p.getByTestId('invite-gone').getByText('This invite has expired or been used up').waitFor()
  })
})
