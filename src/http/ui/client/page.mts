// What the router needs from a page: refresh it (poll) and tidy up when leaving it.
export interface Page {
  /** Fetches fresh data and updates the page in place. */
  refresh (signal: AbortSignal): Promise<void>
  title: string
}
