// import.git: a module from a path in a Git repository at a revision, cloned with the real
// `git` binary into the import's data directory and pulled every pull_frequency ("0s": once).
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { attr, block, t, type Decoded } from '../../vm/schema.js'
import { readModulePath, sameSource, sleep, type ImportKind, type ModuleSource } from './source.js'

const run = promisify(execFile)

const GIT_TIMEOUT_MS = 120_000

const argsSchema = {
  repository: attr(t.string, { required: true }),
  revision: attr(t.string, { default: 'HEAD' }),
  path: attr(t.string, { required: true }),
  pull_frequency: attr(t.duration, { default: 60_000 }),
  basic_auth: block({ username: attr(t.string), password: attr(t.secret) }),
  ssh_key: block({ username: attr(t.string, { required: true }), key_file: attr(t.string), key: attr(t.secret), passphrase: attr(t.secret) }),
}

export type Args = Decoded<typeof argsSchema>

export const importGit: ImportKind<Args> = {
  name: 'import.git',
  args: argsSchema,
  validate (a) {
    const problems: string[] = []
    if (a.pull_frequency < 0) problems.push('pull_frequency must not be negative')
    if (a.ssh_key?.key !== undefined && a.ssh_key.key_file !== undefined) problems.push('ssh_key: at most one of key and key_file may be set')
    if (a.ssh_key?.passphrase !== undefined) problems.push('ssh_key: passphrase-protected keys are not supported by shoal (use an unencrypted key or an ssh-agent)')
    return problems
  },
  async start (g, initial) {
    let args = initial
    let last: ModuleSource | undefined
    let lastCommit = ''
    const dir = join(g.dataPath, 'repo')

    const git = async (cwd: string | undefined, ...argv: string[]): Promise<string> => {
      const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' }
      const ssh = args.ssh_key
      if (ssh) {
        let keyFile = ssh.key_file
        if (ssh.key !== undefined) {
          keyFile = join(g.dataPath, 'ssh_key')
          writeFileSync(keyFile, ssh.key.reveal().trimEnd() + '\n', { mode: 0o600 })
        }
        env.GIT_SSH_COMMAND = `ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new${keyFile ? ` -i '${keyFile.replaceAll("'", "'\\''")}'` : ''} -l '${ssh.username.replaceAll("'", "'\\''")}'`
      }
      try {
        const { stdout } = await run('git', argv, { cwd, env, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 << 20 })
        return stdout.trim()
      } catch (err) {
        const e = err as { stderr?: string, message: string }
        throw new Error(`git ${argv[0]}: ${(e.stderr ?? '').trim().split('\n').pop() || e.message}`)
      }
    }

    const remote = (): string => {
      const auth = args.basic_auth
      if (!auth || !/^https?:\/\//.test(args.repository)) return args.repository
      const u = new URL(args.repository)
      if (auth.username !== undefined) u.username = auth.username
      if (auth.password !== undefined) u.password = auth.password.reveal()
      return u.toString()
    }

    const pull = async (): Promise<void> => {
      mkdirSync(g.dataPath, { recursive: true })
      if (!existsSync(join(dir, '.git'))) {
        rmSync(dir, { recursive: true, force: true })
        await git(undefined, 'clone', '--quiet', '--no-checkout', remote(), dir)
      } else {
        await git(dir, 'remote', 'set-url', 'origin', remote())
        await git(dir, 'fetch', '--quiet', '--force', '--tags', '--prune', 'origin', '+refs/heads/*:refs/remotes/origin/*')
      }
      // A branch name means its newest commit on the remote; otherwise a tag, a commit or HEAD.
      const rev = args.revision === 'HEAD' ? 'origin/HEAD' : args.revision
      let commit: string
      try { commit = await git(dir, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${args.revision}^{commit}`) } catch {
        try { commit = await git(dir, 'rev-parse', '--verify', `${rev}^{commit}`) } catch {
          throw new Error(`revision "${args.revision}" not found in ${args.repository}`)
        }
      }
      if (commit !== lastCommit) {
        await git(dir, 'checkout', '--quiet', '--force', '--detach', commit)
        lastCommit = commit
      }
      const src = readModulePath(join(dir, args.path))
      if (sameSource(last, src)) return
      last = src
      g.onContent(src)
    }

    await pull()
    let wake: (() => void) | undefined
    return {
      async run (signal) {
        while (!signal.aborted) {
          if (args.pull_frequency === 0) { await sleep(2 ** 31 - 1, signal); continue }
          await new Promise<void>(resolve => { wake = resolve; void sleep(args.pull_frequency, signal).then(resolve) })
          wake = undefined
          if (signal.aborted) break
          try { await pull() } catch (err) { g.logger.error('failed to pull git repository, keeping the last module', { err: (err as Error).message }) }
        }
      },
      async update (a) {
        const changed = JSON.stringify([a.repository, a.revision, a.path]) !== JSON.stringify([args.repository, args.revision, args.path])
        args = a
        if (changed) await pull()
        wake?.()
      },
      debugInfo: () => ({ repository: args.repository, revision: args.revision, commit: lastCommit, path: args.path }),
    }
  },
}
