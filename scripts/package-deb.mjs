// A Debian package of one single-file binary, made with dpkg-deb alone: /usr/bin/shoal, a systemd
// unit running it as its own user, /etc/shoal/config.alloy and /etc/default/shoal as conffiles.
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const DEB_ARCH = { x64: 'amd64', arm64: 'arm64' }

export const UNIT = `[Unit]
Description=shoal: a fleet of Prometheus scrape agents
Documentation=https://github.com/shoal/shoal/blob/main/docs/edge.md
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=shoal
Group=shoal
# two malloc arenas instead of one per thread, and blocks from 32 KiB up in their own mappings
# (returned to the system when freed instead of left in the heap): less idle memory (docs/edge.md)
Environment=MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=32768
EnvironmentFile=-/etc/default/shoal
ExecStart=/usr/bin/shoal run --storage.path=/var/lib/shoal $SHOAL_FLAGS /etc/shoal/config.alloy
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5
StateDirectory=shoal
WorkingDirectory=/var/lib/shoal
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
PrivateDevices=true
NoNewPrivileges=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectControlGroups=true
RestrictSUIDSGID=true
LockPersonality=true
RestrictNamespaces=true
CapabilityBoundingSet=
ReadWritePaths=/var/lib/shoal

[Install]
WantedBy=multi-user.target
`

/** The idle-footprint profile (docs/edge.md): young generation 1 MiB, one V8 worker thread, GC on
 * the main thread, bytecode of code not run since the last full GC dropped, smaller code. */
export const EDGE_V8_FLAGS = '--heap-growing-percent=50 --max-semi-space-size=1 --v8-pool-size=1 --single-threaded-gc --bytecode-old-age=1 --optimize-for-size'

export const DEFAULTS = `# Flags for shoal run (see shoal run --help), e.g.
#   SHOAL_FLAGS="--server.http.listen-addr=0.0.0.0:12345 --cluster.enabled --cluster.join=/dns4/hub/tcp/12346"
SHOAL_FLAGS="--server.http.listen-addr=127.0.0.1:12345"
# V8 flags for a small device (replace the agent's defaults; "" = V8's own): the smallest idle
# footprint measured (docs/edge.md). For hundreds of targets remove this line: the defaults spend
# less CPU per sample.
SHOAL_V8_FLAGS="${EDGE_V8_FLAGS}"
`

const CONFIG = `// shoal's config (Grafana Alloy syntax). See /usr/share/doc/shoal and docs/edge.md.
prometheus.scrape "self" {
  targets    = [{"__address__" = "127.0.0.1:12345"}]
  forward_to = []
}
`

export function writeDeb ({ binary, version, arch, out, work }) {
  const root = join(work, `deb-${arch}`)
  rmSync(root, { recursive: true, force: true })
  const dirs = ['DEBIAN', 'usr/bin', 'lib/systemd/system', 'etc/shoal', 'etc/default']
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true })
  copyFileSync(binary, join(root, 'usr/bin/shoal'))
  chmodSync(join(root, 'usr/bin/shoal'), 0o755)
  writeFileSync(join(root, 'lib/systemd/system/shoal.service'), UNIT)
  writeFileSync(join(root, 'etc/default/shoal'), DEFAULTS)
  writeFileSync(join(root, 'etc/shoal/config.alloy'), CONFIG)
  writeFileSync(join(root, 'DEBIAN/control'), `Package: shoal
Version: ${version}
Architecture: ${DEB_ARCH[arch]}
Maintainer: shoal developers <shoal@localhost>
Section: net
Priority: optional
Description: fleet of Prometheus scrape agents sharing targets peer to peer
 One self-contained binary (Node.js inside); config in Grafana Alloy syntax.
`)
  writeFileSync(join(root, 'DEBIAN/conffiles'), '/etc/shoal/config.alloy\n/etc/default/shoal\n')
  const script = (name, body) => { writeFileSync(join(root, 'DEBIAN', name), `#!/bin/sh\nset -e\n${body}`); chmodSync(join(root, 'DEBIAN', name), 0o755) }
  script('postinst', `if [ "$1" = configure ]; then
  getent passwd shoal >/dev/null || useradd --system --home-dir /var/lib/shoal --no-create-home --shell /usr/sbin/nologin shoal
  mkdir -p /var/lib/shoal && chown shoal:shoal /var/lib/shoal
  if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
fi
`)
  script('prerm', `if [ -d /run/systemd/system ]; then systemctl stop shoal.service || true; fi
`)
  script('postrm', `if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
if [ "$1" = purge ]; then rm -rf /var/lib/shoal; userdel shoal 2>/dev/null || true; fi
`)
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, join(out, `shoal_${version}_${DEB_ARCH[arch]}.deb`)], { stdio: 'ignore' })
}
