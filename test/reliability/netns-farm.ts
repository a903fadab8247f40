// Runs a demo target farm inside a network namespace (started by partition.test.ts through
// `ip netns exec`): prints its addresses as one JSON line, serves until SIGTERM.
import { startFarm } from '../../src/demo/farm.js'

const [host, count] = process.argv.slice(2)
const farm = await startFarm(Number(count), 2, host)
process.stdout.write(JSON.stringify(farm.addresses) + '\n')
process.on('SIGTERM', () => { void farm.close().then(() => process.exit(0)) })
