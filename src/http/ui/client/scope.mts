// Whose API a page reads: this node's own (/api/v0/web/…), or another fleet member's, fetched
// by this node over libp2p (/api/v0/web/peers/{peerId}/…) so it works even when that member's
// HTTP port cannot be reached from the browser. Page links stay inside the same scope.

export type Via = 'self' | 'direct' | 'relay' | 'forward' | 'none' | ''

export interface Scope {
  /** undefined: this node. */
  readonly peerId: string | undefined
  /** API path prefix relative to <base href>, ending in "/". */
  readonly apiBase: string
  /** How the last answer travelled (the X-Shoal-Via header); '' for this node. */
  via: Via
  /** A UI page of the scope's node, relative to <base href> ("component/x" → "peer/{id}/component/x"). */
  page (rel: string): string
}

/** This node, as the app learnt it from its own /peers (empty until then). */
export const self = { peerId: '', name: '' }

/** A page of peer `peerId` served through this node; this node's own page when it is us. */
export function peerPage (peerId: string, rel = ''): string {
  if (self.peerId !== '' && peerId === self.peerId) return rel || './'
  return `peer/${encodeURIComponent(peerId)}${rel ? `/${rel}` : ''}`
}

export const LOCAL: Scope = { peerId: undefined, apiBase: 'api/v0/web/', via: '', page: rel => rel || './' }

export function remoteScope (peerId: string): Scope {
  return {
    peerId,
    apiBase: `api/v0/web/peers/${encodeURIComponent(peerId)}/`,
    via: '',
    page: rel => `peer/${encodeURIComponent(peerId)}${rel ? `/${rel}` : ''}`,
  }
}
