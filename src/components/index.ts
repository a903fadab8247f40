// Registers every component kind shoal runs.
import './discovery/relabel.js'
import './discovery/file.js'
import './prometheus/relabel.js'
import './prometheus/exporter-self.js'
import './prometheus/remote-write.js'
import './prometheus/receive-http.js'
import './prometheus/scrape.js'
