/** Writes a SQLMesh-compatible test file (what `models create-test` generates). */
import { Document, isMap, isSeq, visit } from 'yaml'
import { display } from './compare.js'

/** The content of one generated test. */
export interface GeneratedTest {
  name: string
  model: string
  description?: string
  /** Input rows per upstream table, in order. */
  inputs: Array<{ name: string; rows: ReadonlyArray<Record<string, unknown>> }>
  /** Expected rows of the model query. */
  outputRows: ReadonlyArray<Record<string, unknown>>
  /** `vars` (start, end, execution_time, ...). */
  vars: Record<string, string | number | boolean>
}

/**
 * YAML text of a test file holding one test. Each row is written as one flow map
 * (`- {id: 1, day: 2024-01-01}`), so a diff of the file reads row by row.
 */
export function testFileYaml(t: GeneratedTest): string {
  const inputs: Record<string, unknown> = {}
  for (const i of t.inputs) inputs[i.name] = { rows: i.rows.map((r) => display(r)) }
  const body: Record<string, unknown> = { model: t.model }
  if (t.description) body['description'] = t.description
  body['inputs'] = inputs
  body['outputs'] = { query: { rows: t.outputRows.map((r) => display(r)) } }
  body['vars'] = t.vars
  const doc = new Document({ [t.name]: body })
  visit(doc, {
    Seq(_key, node) {
      for (const item of node.items) if (isMap(item) || isSeq(item)) item.flow = true
    },
  })
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false })
}
