import { describe, expect, it } from 'vitest'
import { resolveBatchChanges } from '../../../../src/ingest/cdc/cdc-sync.js'

describe('resolveBatchChanges', () => {
  it('takes the option, else TRIBUTARY_CDC_BATCH_CHANGES, else 50,000', () => {
    expect(resolveBatchChanges(undefined, {})).toBe(50_000)
    expect(resolveBatchChanges(undefined, { TRIBUTARY_CDC_BATCH_CHANGES: '10000' })).toBe(10_000)
    expect(resolveBatchChanges(7, { TRIBUTARY_CDC_BATCH_CHANGES: '10000' })).toBe(7)
  })

  it('refuses anything but a positive integer, naming where it came from', () => {
    for (const bad of ['0', '-5', '1.5', 'lots', '1e400']) {
      expect(() => resolveBatchChanges(undefined, { TRIBUTARY_CDC_BATCH_CHANGES: bad })).toThrow(expect.objectContaining({ code: 'OPTION_INVALID', message: expect.stringContaining('TRIBUTARY_CDC_BATCH_CHANGES') }))
    }
    expect(() => resolveBatchChanges(0, {})).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }))
  })
})
