// Runs inside the test's hub namespace: demo targets on one address, a remote-write sink, and a
// control port whose /stats tells how often each target was scraped. Prints one JSON line:
// {"targets": ["host:port", …], "control": "host:port"}. Runs until killed.
import { createServer } from 'node:http'
import { startFarm } from '../../src/demo/farm.js'

const host = process.argv[2]
const count = Number(process.argv[3] ?? '6')
// never bind outside 127/8 unless this process sits in a network namespace of its own
if (!host.startsWith('127.') && process.env.SHOAL_NETNS_CHILD !== '1') throw new Error('farm-child: run me with ip netns exec')
const farm = await startFarm(count, 3, host)
const control = createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(Object.fromEntries(farm.scrapes)))
    return
  }
  req.resume() // remote write and anything else: accepted and dropped
  req.on('end', () => res.writeHead(204).end())
})
await new Promise<void>(resolve => control.listen(0, host, resolve))
process.stdout.write(JSON.stringify({ targets: farm.addresses, control: `${host}:${(control.address() as { port: number }).port}` }) + '\n')
setInterval(() => {}, 1 << 30)
