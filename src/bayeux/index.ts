// CometD (Bayeux 1.0) notification server — public API.
//
//   const bayeux = new BayeuxServer({ config: cfg.cometd, logger, authenticate })
//   bayeux.attach(app, ['/api/v2/notifications'])   // before app.listen()
//   bayeux.deliverToUser(userId, '/v2/me/workbins', { messageType: ... })
//   bayeux.disconnectUser(userId)                    // server-side /meta/disconnect
//   bayeux.stats()                                   // counters
//   await bayeux.close()                             // before app.close()
//
// Transports: long-polling (POST <prefix> and below) and websocket (upgrade on the same
// paths). `authenticate(req)` is called for each long-polling handshake (the POST) and
// each WebSocket upgrade request; null refuses (handshake `successful:false`,
// `advice.reconnect:"none"`; upgrade HTTP 401); throwing HandshakeRefused refuses for a
// while (`advice.reconnect:"handshake"` with that interval; upgrade HTTP 429). Details and decisions: README.md here,
// and the file headers of engine/engine.ts, transports/*.ts, extensions/ack.ts.

export { BayeuxServer } from './server.ts'
export type { BrowserHolds } from './engine/browser-holds.ts'
export type {
  BayeuxHttpRequest,
  BayeuxPrincipal,
  BayeuxServerOptions,
  ServiceCall,
  ServiceHandler,
} from './engine/options.ts'
export type { FeedMessage, FeedRead, SessionKeeper, SessionRecord } from './engine/keeper.ts'
export { ReplayRefused, SessionLimitReached } from './engine/keeper.ts'
export { BROWSER_COOKIE } from './transports/long-polling.ts'
export type { HttpOptions, OriginHeaders } from './transports/long-polling.ts'
export { HandshakeRefused } from './protocol/errors.ts'
