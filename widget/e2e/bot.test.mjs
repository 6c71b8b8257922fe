// A visitor chats with a bot in a real browser: the bot is a tiny HTTP
// server of this test that checks each delivery's signature and answers
// through the bot API; the visitor presses "Talk to a person" and the
// conversation reaches the online agent. The test runs a Parley of its own
// (see server.mjs) that may reach the bot on loopback (PARLEY_OUTBOUND_ALLOW).
import assert from 'node:assert/strict'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { after, before, test } from 'node:test'
import { api, hostSite, launch, watch } from './helpers.mjs'
import { OwnServer } from './server.mjs'

let server
let host
let browser
let bot

/** The test's bot: verifies signatures, echoes messages, records events. */
function startBot() {
  const state = { secret: '', token: '', base: '', events: [], badSignatures: 0 }
  const http = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString()
      const [t, v1] = String(req.headers['x-parley-signature'] || '').replace('t=', '').split(',v1=')
      const want = createHmac('sha256', state.secret).update(`${t}.${raw}`).digest('hex')
      if (!v1 || v1.length !== want.length || !timingSafeEqual(Buffer.from(v1), Buffer.from(want))) {
        state.badSignatures++
        res.writeHead(401).end()
        return
      }
      const d = JSON.parse(raw)
      state.events.push(d)
      res.writeHead(204).end()
      if (d.event === 'message' && d.message) {
        await fetch(`${state.base}/api/v1/bot/conversations/${d.conversation_id}/messages`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bot ${state.token}` },
          body: JSON.stringify({ client_msg_id: `re-${d.message.seq}`, body: `Robo says: ${d.message.body}` }),
        })
      }
    })
  })
  return new Promise((resolve) =>
    http.listen(0, '127.0.0.1', () => resolve({ state, url: `http://127.0.0.1:${http.address().port}/hook`, close: () => http.close() })),
  )
}

before(async () => {
  process.env.PARLEY_OUTBOUND_ALLOW = '127.0.0.1/32'
  server = await OwnServer.create()
  await server.start()
  host = await hostSite(server.base)
  browser = await launch()
  bot = await startBot()
  bot.state.base = server.base
})

after(async () => {
  await browser?.close()
  host?.close()
  bot?.close()
  await server?.dispose()
})

const frameOf = (page) => page.frameLocator('iframe[data-testid="parley-frame"]')
const bubble = (f, text) =>
  f.getByTestId('parley-message').filter({ has: f.getByTestId('parley-message-body').getByText(text, { exact: true }) })

test('a visitor chats with a bot, asks for a person, and the agent gets the conversation', { timeout: 120_000 }, async () => {
  const { restOk, login } = api(server.base)
  const setup = await restOk('POST', '/api/v1/setup', {
    username: 'admin',
    email: 'admin@example.com',
    password: 'correct horse battery',
    nickname: 'Ada Admin',
  })
  const admin = setup.access_token ?? (await login('admin', 'correct horse battery'))
  const created = await restOk('POST', '/api/v1/sites', { name: 'Bot shop' }, admin)
  const site = await restOk('PATCH', `/api/v1/sites/${created.id}`, { allowed_origins: [host.origin] }, admin)
  const queue = site.queues.find((q) => q.is_default) ?? site.queues[0]
  const robo = await restOk('POST', `/api/v1/sites/${site.id}/bots`, { name: 'Robo', webhook_url: bot.url }, admin)
  bot.state.secret = robo.secret
  bot.state.token = robo.token
  await restOk('PATCH', `/api/v1/queues/${queue.id}`, { bot_id: robo.id }, admin)

  const user = await restOk(
    'POST',
    '/api/v1/admin/users',
    { username: 'rita', email: 'rita@example.com', password: 'agent password 123', role: 'agent', verified: true },
    admin,
  )
  await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${user.user?.id ?? user.id}`, { capacity: 2 }, admin)
  const agent = await login('rita', 'agent password 123')
  await restOk('PUT', '/api/v1/agent/status', { status: 'online' }, agent)

  // The agent works in the console meanwhile.
  const console_ = await browser.newContext()
  const desk = await console_.newPage()
  desk.setDefaultTimeout(20_000)
  await desk.goto(`${server.base}/console/#/login`)
  await desk.getByTestId('login-username').fill('rita')
  await desk.getByTestId('login-password').fill('agent password 123')
  await desk.getByTestId('login-submit').click()
  await desk.waitForURL(/#\/inbox/)

  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const { explain } = watch(page)
  try {
    await page.goto(host.url('/', site.public_key))
    await page.getByTestId('parley-launcher').click()
    const f = frameOf(page)
    await f.getByTestId('parley-input').fill('Where is my order?')
    await f.getByTestId('parley-send').click()
    // The bot answers, live, under its name.
    const answer = bubble(f, 'Robo says: Where is my order?')
    await answer.waitFor()
    assert.match(await answer.textContent(), /Robo/)
    // While the bot answers, no agent holds the chat.
    const during = await restOk('GET', '/api/v1/agent/conversations?view=mine', undefined, agent)
    assert.equal(during.items.length, 0)

    const handoff = f.getByTestId('parley-handoff')
    await handoff.waitFor()
    assert.equal(await handoff.textContent(), 'Talk to a person')
    await handoff.click()
    await f.getByText('You asked for a person: an agent will answer').waitFor()
    await handoff.waitFor({ state: 'hidden' })

    // The agent gets the conversation.
    const deadline = Date.now() + 15_000
    let mine
    for (;;) {
      mine = await restOk('GET', '/api/v1/agent/conversations?view=mine', undefined, agent)
      if (mine.items.length) break
      if (Date.now() > deadline) throw new Error('the conversation never reached the agent')
      await new Promise((r) => setTimeout(r, 200))
    }
    assert.equal(mine.items[0].status, 'assigned')
    // The console shows it in the agent's inbox, and the bot's answer in it.
    await desk.getByTestId('inbox-item').first().click()
    await desk.getByTestId('message').filter({ hasText: 'Robo says: Where is my order?' }).getByTestId('bot-tag').waitFor()
    // And the bot was told who asked.
    const told = Date.now() + 15_000
    while (!bot.state.events.some((e) => e.event === 'handoff' && e.by === 'visitor')) {
      if (Date.now() > told) throw new Error(`the bot never heard of the hand-off: ${JSON.stringify(bot.state.events)}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    assert.equal(bot.state.badSignatures, 0)
  } catch (err) {
    throw await explain(err, server.tail())
  } finally {
    await context.close()
    await console_.close()
  }
})
