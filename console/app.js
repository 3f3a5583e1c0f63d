// The workbins console: a reference client of this server that uses only the public REST API
// (docs/api.md) and CometD (docs/cometd.md). Plain DOM, no build step; every text from the
// server goes in through textContent, never as HTML.

import { AckExtension, CometD } from '/console/vendor/cometd/cometd.js'

const API = '/api/v2'
const LOGGED_OUT_KEY = 'workbins-console:logged-out'
const MAX_LOG = 200

// Collection key in a workbin / under /me → media type (docs/workbins-content.md).
const MEDIA = {
  emails: 'email',
  chats: 'chat',
  workitems: 'workitem',
  openmedia: 'openmedia',
  facebook: 'facebook',
  tweets: 'tweet',
  facebooksessions: 'facebooksession',
}
const MY_MEDIA = ['emails', 'chats', 'workitems', 'facebook', 'tweets', 'facebooksessions']
// Media type → its collection under /me (the operations' URL: /me/{collection}/{id}).
const COLLECTION = Object.fromEntries(Object.entries(MEDIA).map(([k, m]) => [m, k]))
// The interactions' own messages (docs/interactions.md "Notifications"): channel, and the key
// of the interaction in a message (`twitter` for tweets).
const MEDIA_CHANNELS = [
  '/v2/me/emails',
  '/v2/me/chats',
  '/v2/me/workitems',
  '/v2/me/openmedia',
  '/v2/me/facebook',
  '/v2/me/twitter',
]
const RESOURCE_KEYS = [
  'email',
  'chat',
  'workitem',
  'openmedia',
  'facebook',
  'facebooksession',
  'twitter',
]
// The channels "Start work" asks for: the media the console can list.
const WORK_CHANNELS = ['email', 'chat', 'workitem']

// --- state ------------------------------------------------------------------------------------

let state = freshState()
let cometd = null

function freshState() {
  return {
    me: null,
    team: null,
    csrf: null,
    definitions: [],
    view: null,
    /** key → instance {key, workbin, userId, agentGroup, placeGroup, label, count, items, error} */
    instances: new Map(),
    /** key → last subscription state text */
    subscriptions: new Map(),
    open: { agent: null, supervisor: null },
    /** what I handle (Processing) and what I am offered (Invited) */
    mine: [],
    /** my media channels and their agent state; null until read */
    channels: null,
    queues: [],
    /** the open Transfer form: the interaction, and what was typed or picked so far */
    transfer: { item: null, user: '', queue: '' },
    supervisedAgent: '',
    picks: {},
    /** ids of the userData <details> the user opened */
    openDetails: new Set(),
  }
}

const $ = (id) => document.getElementById(id)

/** Build an element: h('button', {type: 'button', onclick}, 'text', child). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v)
    else if (k === 'class') el.className = v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue
    el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
  return el
}

// --- messages to the user ---------------------------------------------------------------------

function showError(message) {
  const alert = $('alert')
  alert.textContent = message
  alert.hidden = false
}

function clearError() {
  $('alert').hidden = true
  $('alert').textContent = ''
}

function notice(message) {
  $('notice').textContent = message
}

/** Run an action from a button: errors are shown as the server's statusMessage. */
async function act(what, fn) {
  clearError()
  try {
    await fn()
  } catch (err) {
    showError(`${what}: ${err.message}`)
  }
}

// --- REST -------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

async function api(method, path, body, extraHeaders = {}) {
  // X-Requested-With: the server then leaves out the Basic challenge, so a 401 does not open
  // the browser's own login dialog.
  const headers = { accept: 'application/json', 'x-requested-with': 'XMLHttpRequest' }
  Object.assign(headers, extraHeaders)
  if (method !== 'GET') {
    headers['content-type'] = 'application/json'
    if (state.csrf) headers[state.csrf.header] = state.csrf.token
  }
  const res = await fetch(API + path, {
    method,
    headers,
    credentials: 'same-origin',
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
  })
  let json = null
  try {
    json = await res.json()
  } catch {
    // not JSON: reported below with the HTTP status
  }
  if (!res.ok || !json || json.statusCode !== 0) {
    throw new ApiError(res.status, json?.statusMessage ?? `HTTP ${res.status}`)
  }
  return { json, res }
}

function query(params) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v)
  const s = q.toString()
  return s ? `?${s}` : ''
}

// --- workbin instances ------------------------------------------------------------------------

function instanceKey(workbinId, owner) {
  return [workbinId, owner.userId ?? '', owner.agentGroup ?? '', owner.placeGroup ?? ''].join('|')
}

function instancePath(inst) {
  const base = inst.userId ? `/users/${inst.userId}/workbins/` : '/me/workbins/'
  return base + inst.workbin.id
}

function instanceQuery(inst, extra = {}) {
  return query({ agentGroup: inst.agentGroup, placeGroup: inst.placeGroup, ...extra })
}

function addInstance(workbin, owner, label) {
  const key = instanceKey(workbin.id, owner)
  const old = state.instances.get(key)
  const inst = old ?? { key, workbin, ...owner, label, count: null, items: [], error: null }
  state.instances.set(key, inst)
  return inst
}

function agentName(userId) {
  if (state.me && userId === state.me.id) return 'me'
  const a = state.team?.agents.find((u) => u.id === userId)
  return a ? `${a.firstName} ${a.lastName} (${a.userName})` : userId
}

/** The instances of the agent view: mine, my place's, my groups'. */
function myInstances() {
  const out = []
  const team = state.team
  for (const wb of state.definitions) {
    const name = wb.displayName || wb.workbinName
    if (wb.type === 'Agent') out.push(addInstance(wb, {}, name))
    if (wb.type === 'Place' && team.place) out.push(addInstance(wb, {}, `${name} · ${team.place}`))
    if (wb.type === 'AgentGroup') {
      for (const g of team.agentGroups) {
        out.push(addInstance(wb, { agentGroup: g.name }, `${name} · ${g.name}`))
      }
    }
    if (wb.type === 'PlaceGroup') {
      for (const g of team.placeGroups) {
        out.push(addInstance(wb, { placeGroup: g }, `${name} · ${g}`))
      }
    }
  }
  return out
}

/** The Agent workbins of the agent the supervisor picked. */
function agentInstances(userId) {
  if (!userId) return []
  return state.definitions
    .filter((wb) => wb.type === 'Agent')
    .map((wb) =>
      addInstance(wb, { userId }, `${wb.displayName || wb.workbinName} · ${agentName(userId)}`),
    )
}

function itemsOf(workbin) {
  const items = []
  for (const [key, media] of Object.entries(MEDIA)) {
    for (const item of workbin[key] ?? []) items.push({ ...item, media: item.mediaType ?? media })
  }
  return items
}

async function loadInstance(inst) {
  try {
    const { json } = await api(
      'GET',
      instancePath(inst) + instanceQuery(inst, { subresources: '*' }),
    )
    inst.items = itemsOf(json.workbin)
    inst.count = inst.items.length
    inst.error = null
  } catch (err) {
    inst.error = err.message
    inst.count = null
  }
}

let mineGeneration = 0
async function loadMine() {
  // Reloads overlap when messages come in bursts: only the newest one's answer is kept, so an
  // older, slower answer cannot bring back an offer that has gone.
  const generation = ++mineGeneration
  const [lists, channels] = await Promise.all([
    Promise.all(
      MY_MEDIA.map((key) =>
        api('GET', `/me/${key}?fields=*`).then(
          ({ json }) =>
            (json[key] ?? []).map((i) => ({ ...i, media: MEDIA[key], collection: key })),
          () => [],
        ),
      ),
    ),
    api('GET', '/me/channels').then(
      ({ json }) => json.channels ?? [],
      () => state.channels,
    ),
  ])
  if (generation !== mineGeneration) return
  state.mine = lists.flat()
  state.channels = channels
}

const handled = () => state.mine.filter((i) => i.state === 'Processing')
const offered = () => state.mine.filter((i) => i.state === 'Invited')

function visibleInstances() {
  const list = []
  if (hasRole('ROLE_AGENT')) list.push(...myInstances())
  if (state.supervisedAgent) list.push(...agentInstances(state.supervisedAgent))
  return list
}

let refreshTimer = null
/** Reload counts, open contents and my interactions (coalesced). */
function refreshSoon() {
  clearTimeout(refreshTimer)
  refreshTimer = setTimeout(() => void refresh(), 50)
}

async function refresh() {
  if (!state.me) return
  await Promise.all([
    ...visibleInstances().map(loadInstance),
    hasRole('ROLE_AGENT') ? loadMine() : null,
  ])
  render()
}

// --- operations -------------------------------------------------------------------------------

async function toggleSubscription(inst) {
  const subscribed = state.subscriptions.get(inst.key) === 'Subscribed'
  const operationName = subscribed ? 'Unsubscribe' : 'Subscribe'
  const before = state.subscriptions.get(inst.key)
  // set before the request: the CometD message may arrive before the HTTP answer
  state.subscriptions.set(inst.key, `${operationName} requested…`)
  render()
  await act(operationName, async () => {
    try {
      await api('POST', instancePath(inst) + instanceQuery(inst), { operationName })
    } catch (err) {
      if (before === undefined) state.subscriptions.delete(inst.key)
      else state.subscriptions.set(inst.key, before)
      render()
      throw err
    }
  })
}

async function pull(inst, item, verb) {
  await act(`${verb} ${item.id}`, async () => {
    await api('POST', instancePath(inst) + instanceQuery(inst), {
      operationName: 'PullInteraction',
      id: item.id,
    })
    notice(`${item.id} is now yours.`)
    await refresh()
  })
}

async function put(inst, itemId, verb) {
  await act(`${verb} ${itemId}`, async () => {
    if (!inst || !itemId) throw new Error('choose an interaction and a workbin')
    await api('POST', instancePath(inst) + instanceQuery(inst), {
      operationName: 'AddInteraction',
      id: itemId,
    })
    notice(`${itemId} is in ${inst.label}.`)
    await refresh()
  })
}

/** The URL of the operations on one of my interactions. */
function myPath(item) {
  const id = encodeURIComponent(item.id)
  if (item.media === 'openmedia') {
    return `/me/openmedia/${encodeURIComponent(item.openmediaType ?? '')}/${id}`
  }
  return `/me/${item.collection ?? COLLECTION[item.media]}/${id}`
}

async function answerOffer(item, operationName) {
  await act(`${operationName} ${item.id}`, async () => {
    await api('POST', myPath(item), { operationName })
    notice(operationName === 'Accept' ? `${item.id} is now yours.` : `${item.id} rejected.`)
    await refresh()
  })
}

/**
 * The Transfer target in the parameter this media takes (docs/interactions.md "Transfer"):
 * e-mail `userUri` or `queueName`, chat `targetUri` or `queueName`, the others `targetUri`.
 * An agent is named by user name (agents cannot list their colleagues); the server resolves
 * `…/users/{id or userName}`.
 */
function transferBody(item, user, queueName) {
  if (user && queueName) throw new Error('choose an agent or a queue, not both')
  if (!user && !queueName) throw new Error('choose an agent or a queue')
  if (user) {
    const known = state.team.agents.find((a) => a.userName === user || a.id === user)
    const uri = `${location.origin}${API}/users/${encodeURIComponent(known?.id ?? user)}`
    return item.media === 'email' ? { userUri: uri } : { targetUri: uri }
  }
  if (item.media === 'email' || item.media === 'chat') return { queueName }
  const queue = state.queues.find((q) => q.name === queueName)
  if (!queue) throw new Error(`unknown queue ${queueName}`)
  return { targetUri: queue.uri }
}

async function transfer(item) {
  const user = state.transfer.user.trim()
  const queue = state.transfer.queue
  await act(`Transfer ${item.id}`, async () => {
    await api('POST', myPath(item), {
      operationName: 'Transfer',
      ...transferBody(item, user, queue),
    })
    state.transfer = { item: null, user: '', queue: '' }
    notice(`${item.id} transferred to ${user || `queue ${queue}`}.`)
    await refresh()
  })
}

/** Take my place with the media channels the console lists; each starts Not Ready. */
async function startWork() {
  await act('Start work', async () => {
    const body = { operationName: 'StartContactCenterSession', channels: WORK_CHANNELS }
    if (state.team.place) body.place = state.team.place
    await api('POST', '/me', body)
    await refresh()
  })
}

async function setChannelState(channel, ready) {
  const operationName = ready ? 'Ready' : 'NotReady'
  await act(`${operationName} on ${channel}`, async () => {
    await api('POST', `/me/channels/${encodeURIComponent(channel)}`, { operationName })
    await refresh()
  })
}

// --- CometD -----------------------------------------------------------------------------------

function setConnection(kind, text) {
  const el = $('connection')
  el.dataset.state = kind
  el.textContent = text
}

function transportName() {
  return cometd?.getTransport()?.type ?? 'none'
}

function startCometd() {
  stopCometd()
  const c = new CometD()
  cometd = c
  c.configure({ url: `${location.origin}${API}/notifications`, logLevel: 'warn' })
  c.registerExtension('ack', new AckExtension())
  c.registerExtension('event-log', {
    incoming(message) {
      logEvent(message)
      return message
    },
  })
  c.addListener('/meta/handshake', (m) => {
    if (m.successful) {
      // Subscriptions live in the session: after a re-handshake (server restart, expiry)
      // the channel is subscribed again and what was missed is read again.
      c.batch(() => {
        c.clearSubscriptions()
        c.subscribe('/v2/me/workbins', onWorkbinMessage)
        for (const channel of MEDIA_CHANNELS) c.subscribe(channel, onInteractionMessage)
        c.subscribe('/v2/me/channels', refreshSoon)
      })
      setConnection('connected', `Connected (${transportName()})`)
      refreshSoon()
    } else if (m.advice?.reconnect === 'none') {
      setConnection('offline', 'Disconnected: the server refused the session')
      void checkSession()
    } else {
      setConnection('reconnecting', 'Reconnecting…')
    }
  })
  c.addListener('/meta/connect', (m) => {
    if (c.isDisconnected()) setConnection('offline', 'Disconnected')
    else if (m.successful) setConnection('connected', `Connected (${transportName()})`)
    else setConnection('reconnecting', `Reconnecting… (${transportName()})`)
  })
  c.addListener('/meta/disconnect', () => setConnection('offline', 'Disconnected'))
  setConnection('reconnecting', 'Connecting…')
  c.handshake()
}

function stopCometd() {
  if (!cometd) return
  const c = cometd
  cometd = null
  try {
    c.disconnect()
  } catch {
    // already gone
  }
  setConnection('offline', 'Not connected')
}

function matchingInstances(data) {
  return [...state.instances.values()].filter(
    (i) =>
      i.workbin.id === data.id &&
      (i.agentGroup ?? '') === (data.agentGroup ?? '') &&
      (i.placeGroup ?? '') === (data.placeGroup ?? '') &&
      (i.userId ?? '') === (data.workbinUserId ?? ''),
  )
}

function onWorkbinMessage(message) {
  const data = message.data ?? {}
  if (data.messageType === 'WorkbinSubscriptionStateChangeMessage') {
    const text =
      data.stateResource === 'RequestFailed'
        ? `RequestFailed: ${data.statusMessage ?? ''}`
        : data.stateResource
    for (const inst of matchingInstances(data)) state.subscriptions.set(inst.key, text)
    render()
  }
  if (data.statusMessage && data.stateResource === 'RequestFailed') showError(data.statusMessage)
  refreshSoon()
}

/** An interaction's own message: an offer came, was withdrawn, or something I hold moved. */
function onInteractionMessage(message) {
  const data = message.data ?? {}
  const key = RESOURCE_KEYS.find((k) => data[k]?.id)
  const ix = key ? data[key] : null
  if (ix?.state === 'Invited') notice(`${ix.id} is offered to you.`)
  if (ix?.state === 'Revoked') notice(`The offer of ${ix.id} was withdrawn.`)
  refreshSoon()
}

// --- event log --------------------------------------------------------------------------------

function logEvent(message) {
  const log = $('log')
  const d = message.data ?? {}
  const what = [d.messageType, d.action, d.stateResource, message.successful === false && 'failed']
    .filter(Boolean)
    .join(' ')
  const time = new Date().toLocaleTimeString()
  const entry = h(
    'li',
    {},
    h(
      'details',
      {},
      h('summary', {}, `${time} ${message.channel} ${what}`.trim()),
      h('pre', {}, JSON.stringify(message, null, 2)),
    ),
  )
  log.prepend(entry)
  while (log.children.length > MAX_LOG) log.lastElementChild.remove()
}

// --- session ----------------------------------------------------------------------------------

function hasRole(role) {
  return state.me?.roles.includes(role) ?? false
}

async function enter(json, res) {
  state.me = json.user
  const header = res.headers.get('x-csrf-header')
  const token = res.headers.get('x-csrf-token')
  state.csrf = header && token ? { header, token } : null
  const [team, defs, queues] = await Promise.all([
    api('GET', '/me/team'),
    api('GET', '/workbins?fields=*').catch(() => ({ json: { workbins: [] } })),
    api('GET', '/queues?fields=*').catch(() => ({ json: { queues: [] } })),
  ])
  state.team = team.json.team
  state.definitions = defs.json.workbins ?? []
  state.queues = queues.json.queues ?? []
  localStorage.removeItem(LOGGED_OUT_KEY)
  $('login').hidden = true
  $('app').hidden = false
  $('events').hidden = false
  $('logout').hidden = false
  $('who').textContent = `${state.me.firstName} ${state.me.lastName} (${state.me.userName})`
  state.view = views()[0]?.id ?? null
  render()
  $('main').focus()
  startCometd()
  await refresh()
}

async function login(user, password) {
  const basic = 'Basic ' + btoa(unescape(encodeURIComponent(`${user}:${password}`)))
  const { json, res } = await api('GET', '/me', undefined, { authorization: basic })
  await enter(json, res)
}

/** At load: resume the session the cookie still carries, unless the user logged out. */
async function checkSession() {
  if (localStorage.getItem(LOGGED_OUT_KEY)) return showLogin()
  try {
    const { json, res } = await api('GET', '/me')
    if (!state.me) await enter(json, res)
  } catch {
    showLogin()
  }
}

async function logout() {
  // Ends this HTTP session and the CometD sessions opened with its cookie (docs/api.md).
  try {
    await api('POST', '/me', { operationName: 'Logout' })
  } catch (err) {
    showError(`Log out: ${err.message}`)
  }
  localStorage.setItem(LOGGED_OUT_KEY, '1')
  stopCometd()
  showLogin()
}

function showLogin() {
  stopCometd()
  state = freshState()
  $('app').hidden = true
  $('events').hidden = true
  $('logout').hidden = true
  $('who').textContent = ''
  $('log').replaceChildren()
  $('view').replaceChildren()
  $('login').hidden = false
  $('login-form').reset()
  $('login-user').focus()
}

// --- views ------------------------------------------------------------------------------------

function views() {
  const list = []
  if (hasRole('ROLE_AGENT')) list.push({ id: 'agent', label: 'My workbins' })
  if (hasRole('ROLE_SUPERVISOR') || hasRole('ROLE_ADMIN') || hasRole('ROLE_API')) {
    list.push({ id: 'supervisor', label: 'Team' })
  }
  if (hasRole('ROLE_ADMIN') || hasRole('ROLE_API')) list.push({ id: 'create', label: 'Create' })
  return list
}

/** Re-render, keeping the keyboard focus on the element with the same id. */
function render() {
  if (!state.me) return
  const active = document.activeElement
  const focused = active?.id
  // a text field being typed in keeps its caret too
  const caret = active?.tagName === 'INPUT' ? [active.selectionStart, active.selectionEnd] : null
  $('views').replaceChildren(
    ...views().map((v) =>
      h(
        'button',
        {
          type: 'button',
          id: `view-${v.id}`,
          'aria-current': state.view === v.id ? 'page' : undefined,
          onclick: () => {
            state.view = v.id
            render()
            void refresh()
          },
        },
        v.label,
      ),
    ),
  )
  let body = []
  if (state.view === 'agent') body = agentView()
  if (state.view === 'supervisor') body = supervisorView()
  if (state.view === 'create') body = createView()
  $('view').replaceChildren(...body.flat().filter(Boolean))
  const again = focused ? document.getElementById(focused) : null
  again?.focus()
  if (caret && again?.tagName === 'INPUT' && caret[0] !== null) {
    again.setSelectionRange(caret[0], caret[1])
  }
}

const safeId = (s) => s.replace(/[^A-Za-z0-9_-]/g, '_')

function instancesTable(caption, list, viewId) {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Workbin'),
        h('th', { scope: 'col' }, 'Type'),
        h('th', { scope: 'col' }, 'Count'),
        h('th', { scope: 'col' }, 'Subscription'),
        h('th', { scope: 'col' }, 'Actions'),
      ),
    ),
    h(
      'tbody',
      {},
      list.map((inst) => {
        const sub = state.subscriptions.get(inst.key) ?? 'Not subscribed'
        const subscribed = sub === 'Subscribed'
        const id = safeId(`${viewId}-${inst.key}`)
        const isOpen = state.open[viewId] === inst.key
        return h(
          'tr',
          { 'data-key': inst.key },
          h('th', { scope: 'row' }, inst.label),
          h('td', {}, inst.workbin.type),
          h('td', { class: 'count' }, inst.error ? `error: ${inst.error}` : (inst.count ?? '…')),
          h('td', { class: `state-${sub.split(':')[0]}` }, sub),
          h(
            'td',
            {},
            h(
              'button',
              {
                type: 'button',
                id: `open-${id}`,
                'aria-pressed': isOpen ? 'true' : 'false',
                'aria-label': `Show content of ${inst.label}`,
                onclick: () => {
                  state.open[viewId] = isOpen ? null : inst.key
                  render()
                },
              },
              'Content',
            ),
            ' ',
            h(
              'button',
              {
                type: 'button',
                id: `sub-${id}`,
                'aria-pressed': subscribed ? 'true' : 'false',
                'aria-label': `Subscribe to ${inst.label}`,
                onclick: () => void toggleSubscription(inst),
              },
              subscribed ? 'Subscribed' : 'Subscribe',
            ),
          ),
        )
      }),
    ),
  )
}

function subjectOf(item) {
  return (
    item.subject ??
    item.userData?.Subject ??
    item.chatType ??
    item.workitemType ??
    item.emailType ??
    item.mediaType ??
    ''
  )
}

function userDataCell(caption, item) {
  const entries = Object.entries(item.userData ?? {})
  if (entries.length === 0) return h('td', {}, '—')
  // stays open (and focused) across the re-render that every message causes
  const id = safeId(`ud-${caption}-${item.id}`)
  return h(
    'td',
    {},
    h(
      'details',
      {
        open: state.openDetails.has(id),
        ontoggle: (e) => {
          if (e.target.open) state.openDetails.add(id)
          else state.openDetails.delete(id)
        },
      },
      h('summary', { id }, `${entries.length} key${entries.length > 1 ? 's' : ''}`),
      h(
        'dl',
        {},
        entries.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v === null ? 'null' : String(v))]),
      ),
    ),
  )
}

/** A table of interactions; `action(item)` gives the button for each row. */
function itemsTable(caption, items, action) {
  if (items.length === 0) return h('p', { class: 'hint' }, `${caption}: empty.`)
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Id', 'Media', 'Subject or type', 'Received', 'userData', 'Actions'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      items.map((item) =>
        h(
          'tr',
          { 'data-id': item.id },
          h('th', { scope: 'row' }, item.id),
          h('td', {}, item.media),
          h('td', {}, subjectOf(item)),
          h('td', {}, item.receivedDate ?? ''),
          userDataCell(caption, item),
          h('td', {}, action(item)),
        ),
      ),
    ),
  )
}

function contentOf(list, viewId, verb) {
  const inst = list.find((i) => i.key === state.open[viewId])
  if (!inst) return null
  return itemsTable(`Content of ${inst.label}`, inst.items, (item) =>
    h(
      'button',
      {
        type: 'button',
        id: safeId(`pull-${viewId}-${item.id}`),
        'aria-label': `${verb} ${item.id}`,
        onclick: () => void pull(inst, item, verb),
      },
      verb,
    ),
  )
}

/** "Put [interaction] into [workbin] [button]": a form over my interactions. */
function putForm(viewId, verb, targets) {
  const itemId = `${viewId}-put-item`
  const targetId = `${viewId}-put-target`
  const picks = (state.picks[viewId] ??= {})
  const mine = handled()
  if (!mine.some((i) => i.id === picks.item)) picks.item = mine[0]?.id ?? ''
  if (!targets.some((t) => t.key === picks.target)) picks.target = targets[0]?.key ?? ''
  return h(
    'form',
    {
      'aria-label': `${verb} an interaction`,
      onsubmit: (e) => {
        e.preventDefault()
        void put(state.instances.get(picks.target), picks.item, verb)
      },
    },
    h('label', { for: itemId }, 'Interaction'),
    h(
      'select',
      { id: itemId, onchange: (e) => (picks.item = e.target.value) },
      mine.map((i) =>
        h(
          'option',
          { value: i.id, selected: i.id === picks.item },
          `${i.id} · ${i.media} · ${subjectOf(i)}`,
        ),
      ),
    ),
    h('label', { for: targetId }, 'into workbin'),
    h(
      'select',
      { id: targetId, onchange: (e) => (picks.target = e.target.value) },
      targets.map((t) => h('option', { value: t.key, selected: t.key === picks.target }, t.label)),
    ),
    h('button', { type: 'submit', id: `${viewId}-put-submit`, disabled: mine.length === 0 }, verb),
  )
}

function agentView() {
  const list = myInstances()
  return [
    h('h2', {}, 'My workbins'),
    instancesTable('My workbins and my groups’ workbins', list, 'agent'),
    contentOf(list, 'agent', 'Pull'),
    h('h2', {}, 'My interactions'),
    workPanel(),
    itemsTable('Offered to me', offered(), (item) => [
      h(
        'button',
        {
          type: 'button',
          id: safeId(`accept-${item.id}`),
          'aria-label': `Accept ${item.id}`,
          onclick: () => void answerOffer(item, 'Accept'),
        },
        'Accept',
      ),
      ' ',
      h(
        'button',
        {
          type: 'button',
          id: safeId(`reject-${item.id}`),
          'aria-label': `Reject ${item.id}`,
          onclick: () => void answerOffer(item, 'Reject'),
        },
        'Reject',
      ),
    ]),
    itemsTable('Interactions I handle', handled(), (item) => {
      const isOpen = state.transfer.item === item.id
      return h(
        'button',
        {
          type: 'button',
          id: safeId(`transfer-${item.id}`),
          'aria-pressed': isOpen ? 'true' : 'false',
          'aria-label': `Transfer ${item.id}`,
          onclick: () => {
            state.transfer = { item: isOpen ? null : item.id, user: '', queue: '' }
            render()
            if (!isOpen) $('transfer-user')?.focus()
          },
        },
        'Transfer',
      )
    }),
    transferForm(),
    putForm('agent', 'Put', list),
  ]
}

/** My media channels with a Ready toggle each; offers reach only an agent Ready on the media. */
function workPanel() {
  const channels = state.channels
  if (channels === null) return null
  if (channels.length === 0) {
    return h(
      'form',
      {
        'aria-label': 'Start work',
        onsubmit: (e) => {
          e.preventDefault()
          void startWork()
        },
      },
      h(
        'p',
        { class: 'hint' },
        `Offers and transfers reach agents who took a place and are Ready on the media.`,
      ),
      h(
        'button',
        { type: 'submit', id: 'start-work' },
        `Start work${state.team.place ? ` at ${state.team.place}` : ''} (${WORK_CHANNELS.join(', ')})`,
      ),
    )
  }
  return h(
    'table',
    {},
    h('caption', {}, 'My channels'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Channel', 'State', 'Actions'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      channels.map((c) => {
        const ready = c.userState?.state === 'Ready'
        return h(
          'tr',
          {},
          h('th', { scope: 'row' }, c.channel),
          h(
            'td',
            { class: `state-${ready ? 'Ready' : 'NotReady'}` },
            c.userState?.displayName ?? '',
          ),
          h(
            'td',
            {},
            h(
              'button',
              {
                type: 'button',
                id: safeId(`ready-${c.channel}`),
                'aria-pressed': ready ? 'true' : 'false',
                'aria-label': `Ready on ${c.channel}`,
                onclick: () => void setChannelState(c.channel, !ready),
              },
              'Ready',
            ),
          ),
        )
      }),
    ),
  )
}

/** "Transfer X to [agent] or [queue]": under the list, for the interaction whose button is on. */
function transferForm() {
  const item = handled().find((i) => i.id === state.transfer.item)
  if (!item) return null
  const t = state.transfer
  return h(
    'form',
    {
      'aria-label': `Transfer ${item.id}`,
      onsubmit: (e) => {
        e.preventDefault()
        void transfer(item)
      },
    },
    h('strong', {}, `Transfer ${item.id} (${item.media})`),
    h('label', { for: 'transfer-user' }, 'to agent (user name)'),
    h('input', {
      id: 'transfer-user',
      list: 'transfer-agents',
      autocomplete: 'off',
      value: t.user,
      oninput: (e) => (t.user = e.target.value),
    }),
    // suggestions where the team lists agents (supervisors); any user name may be typed
    h(
      'datalist',
      { id: 'transfer-agents' },
      state.team.agents.map((a) => h('option', { value: a.userName }, agentName(a.id))),
    ),
    h('label', { for: 'transfer-queue' }, 'or to queue'),
    h(
      'select',
      { id: 'transfer-queue', onchange: (e) => (t.queue = e.target.value) },
      h('option', { value: '' }, '—'),
      state.queues.map((q) => h('option', { value: q.name, selected: q.name === t.queue }, q.name)),
    ),
    h('button', { type: 'submit', id: 'transfer-submit' }, 'Transfer'),
    h(
      'button',
      {
        type: 'button',
        id: 'transfer-cancel',
        onclick: () => {
          state.transfer = { item: null, user: '', queue: '' }
          render()
        },
      },
      'Cancel',
    ),
  )
}

function supervisorView() {
  const team = state.team
  const selectId = 'supervised-agent'
  const supervised = team.agentGroups.filter(
    (g) => g.supervised || hasRole('ROLE_ADMIN') || hasRole('ROLE_API'),
  )
  const list = agentInstances(state.supervisedAgent)
  return [
    h('h2', {}, 'Team'),
    h(
      'table',
      {},
      h('caption', {}, 'Agent groups I supervise'),
      h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col' }, 'Group'), h('th', { scope: 'col' }, 'Members')),
      ),
      h(
        'tbody',
        {},
        supervised.map((g) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, g.name),
            h('td', {}, g.members.map(agentName).join(', ')),
          ),
        ),
      ),
    ),
    h(
      'form',
      { onsubmit: (e) => e.preventDefault() },
      h('label', { for: selectId }, 'Agent'),
      h(
        'select',
        {
          id: selectId,
          onchange: (e) => {
            state.supervisedAgent = e.target.value
            state.open.supervisor = null
            render()
            void refresh()
          },
        },
        h('option', { value: '' }, 'Choose an agent'),
        team.agents.map((a) =>
          h('option', { value: a.id, selected: a.id === state.supervisedAgent }, agentName(a.id)),
        ),
      ),
    ),
    state.supervisedAgent
      ? instancesTable(`Workbins of ${agentName(state.supervisedAgent)}`, list, 'supervisor')
      : null,
    state.supervisedAgent ? contentOf(list, 'supervisor', 'Grab') : null,
    state.supervisedAgent && hasRole('ROLE_AGENT')
      ? [h('h3', {}, 'Assign work I hold'), putForm('supervisor', 'Assign', list)]
      : null,
  ]
}

function createTargets() {
  const team = state.team
  const targets = []
  const places = [...new Set(team.agents.map((a) => a.place).filter(Boolean))]
  for (const wb of state.definitions) {
    const name = wb.displayName || wb.workbinName
    if (wb.type === 'Agent') {
      for (const a of team.agents)
        targets.push({ label: `${name} · ${a.userName}`, workbin: { id: wb.id, user: a.userName } })
    }
    if (wb.type === 'Place') {
      for (const p of places)
        targets.push({ label: `${name} · ${p}`, workbin: { id: wb.id, place: p } })
    }
    if (wb.type === 'AgentGroup') {
      for (const g of team.agentGroups)
        targets.push({ label: `${name} · ${g.name}`, workbin: { id: wb.id, agentGroup: g.name } })
    }
    if (wb.type === 'PlaceGroup') {
      for (const g of team.placeGroups)
        targets.push({ label: `${name} · ${g}`, workbin: { id: wb.id, placeGroup: g } })
    }
  }
  for (const a of team.agents) targets.push({ label: `Offer to ${a.userName}`, owner: a.userName })
  return targets
}

function createView() {
  const targets = createTargets()
  const submit = async (e) => {
    e.preventDefault()
    const form = new FormData(e.target)
    const target = targets[Number(form.get('target'))]
    const mediaType = String(form.get('media'))
    const subject = String(form.get('subject') ?? '').trim()
    await act('Create', async () => {
      const body = {
        operationName: 'Create',
        mediaType,
        userData: subject ? { Subject: subject } : {},
      }
      if (mediaType === 'email' && subject) body.extra = { subject }
      if (target?.owner) body.owner = target.owner
      else if (target) body.workbin = target.workbin
      const { json } = await api('POST', '/interactions', body)
      notice(`Created ${json.id} (${target?.label ?? ''}).`)
    })
  }
  return [
    h('h2', {}, 'Create an interaction'),
    h(
      'form',
      { onsubmit: (e) => void submit(e), 'aria-label': 'Create an interaction' },
      h('label', { for: 'create-media' }, 'Media'),
      h(
        'select',
        { id: 'create-media', name: 'media' },
        ['email', 'chat', 'workitem'].map((m) => h('option', { value: m }, m)),
      ),
      h('label', { for: 'create-subject' }, 'Subject'),
      h('input', { id: 'create-subject', name: 'subject' }),
      h('label', { for: 'create-target' }, 'Target'),
      h(
        'select',
        { id: 'create-target', name: 'target' },
        targets.map((t, i) => h('option', { value: String(i) }, t.label)),
      ),
      h('button', { type: 'submit', id: 'create-submit' }, 'Create'),
    ),
  ]
}

// --- start ------------------------------------------------------------------------------------

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault()
  const user = $('login-user').value.trim()
  const password = $('login-password').value
  void act('Log in', () => login(user, password))
})
$('logout').addEventListener('click', () => void logout())
$('clear-log').addEventListener('click', () => $('log').replaceChildren())
void checkSession()
