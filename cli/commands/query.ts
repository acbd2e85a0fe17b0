import type { Command } from 'commander'
import { queryOperation } from '../../src/operations/query.js'
import { printJson } from '../io.js'
import { rowsToTable } from '../render/table.js'
import { action, type CommandEnv } from '../program.js'

export function registerQuery(program: Command, env: CommandEnv): void {
  program
    .command('query')
    .description("run a read query against an environment (written in the project's dialect)")
    .argument('<sql>', 'the query, e.g. "SELECT * FROM oso.projects_v1 LIMIT 5"')
    .option('--env <env>', 'environment', 'prod')
    .option('--json', 'print an array of row objects')
    .action(
      action(env.io, async (sql: string, o: { env: string; json?: boolean }) => {
        const rows = await env.withContext((ctx) => queryOperation(ctx, sql, { env: o.env }))
        if (o.json) printJson(env.io, rows)
        else env.io.stdout.write(rowsToTable(rows) + '\n')
      }),
    )
}
