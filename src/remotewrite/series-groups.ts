// A batch's entries grouped by series, in first-seen order, each group's entries chained in
// batch order (so a series' samples keep their order): an open-addressing table of series ids
// in typed arrays, reused across batches, instead of a Map and an array per series.
import type { SampleBatch } from './batch.js'

export class SeriesGroups {
  /** First entry of each group. */
  head = new Int32Array(256)
  /** The entry after each entry in its group; -1 ends a group. */
  next = new Int32Array(256)
  private tail = new Int32Array(256)
  private slotId = new Int32Array(1024)
  private slotGroup = new Int32Array(1024)

  /** Groups entries [0, batch.length); returns the number of groups. */
  of (batch: SampleBatch): number {
    const n = batch.length
    if (this.next.length < n) {
      let cap = this.next.length
      while (cap < n) cap *= 2
      this.head = new Int32Array(cap); this.next = new Int32Array(cap); this.tail = new Int32Array(cap)
    }
    if (this.slotId.length < 2 * n) {
      let cap = this.slotId.length
      while (cap < 2 * n) cap *= 2
      this.slotId = new Int32Array(cap); this.slotGroup = new Int32Array(cap)
    }
    const { head, next, tail, slotId, slotGroup } = this
    const mask = slotId.length - 1
    const series = batch.series
    let groups = 0
    for (let i = 0; i < n; i++) {
      // 0 marks a free slot; ids start at 1 (an id that wraps to 0 is never grouped, only split).
      const id = series[i].id | 0
      let h = Math.imul(id, 0x9e3779b1) & mask
      let at
      while ((at = slotId[h]) !== 0 && at !== id) h = (h + 1) & mask
      let g
      if (at === 0) {
        g = groups++
        if (id !== 0) { slotId[h] = id; slotGroup[h] = g }
        head[g] = i
      } else {
        g = slotGroup[h]
        next[tail[g]] = i
      }
      tail[g] = i
      next[i] = -1
    }
    slotId.fill(0)
    return groups
  }
}
