import type { Command } from 'commander'
import { initOperation } from '../../src/operations/init.js'
import { action, type CommandEnv } from '../program.js'

export function registerInit(program: Command, env: CommandEnv): void {
  program
    .command('init')
    .description('create a small example project in DIR (default: the current folder)')
    .argument('[dir]', 'folder to create', '.')
    .action(
      action(env.io, async (dir: string) => {
        const files = initOperation(dir)
        env.io.stdout.write(`Created ${files.length} files in ${dir}:\n${files.map((f) => `  ${f}`).join('\n')}\n`)
        env.io.stdout.write(`Next: models -p ${dir} plan && models -p ${dir} run\n`)
      }),
    )
}
