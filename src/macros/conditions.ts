/**
 * Evaluates the condition of `@IF` after rendering. Only constant conditions are accepted:
 * TRUE/FALSE/NULL, comparisons of literals (`'a' = 'a'`, `3 >= 2`, `DATE '2024-01-01' < DATE '2024-02-01'`),
 * `IS [NOT] NULL`, combined with NOT/AND/OR and parentheses. Anything else is "not constant".
 */
import { isTrivia, tokenize, unquoteString, type Token } from '../sql/lexer.js'

type Value = string | number | boolean | null

/** Thrown internally when the condition is not a constant expression. */
class NotConstant extends Error {}

const COMPARISONS = new Set(['=', '==', '!=', '<>', '<', '<=', '>', '>='])

class Parser {
  private pos = 0
  constructor(private readonly toks: readonly Token[]) {}

  parse(): Value {
    const v = this.or()
    if (this.pos !== this.toks.length) throw new NotConstant()
    return v
  }

  private peekWord(): string | undefined {
    const t = this.toks[this.pos]
    return t?.type === 'ident' ? t.text.toUpperCase() : undefined
  }

  private or(): Value {
    let v = this.and()
    while (this.peekWord() === 'OR') {
      this.pos++
      const r = this.and()
      v = truthy(v) || truthy(r)
    }
    return v
  }

  private and(): Value {
    let v = this.not()
    while (this.peekWord() === 'AND') {
      this.pos++
      const r = this.not()
      v = truthy(v) && truthy(r)
    }
    return v
  }

  private not(): Value {
    if (this.peekWord() === 'NOT') {
      this.pos++
      return !truthy(this.not())
    }
    return this.comparison()
  }

  private comparison(): Value {
    const left = this.primary()
    if (this.peekWord() === 'IS') {
      this.pos++
      const negate = this.peekWord() === 'NOT'
      if (negate) this.pos++
      if (this.peekWord() !== 'NULL') throw new NotConstant()
      this.pos++
      return (left === null) !== negate
    }
    const op = this.operator()
    if (op === undefined) return left
    return compare(left, op, this.primary())
  }

  private operator(): string | undefined {
    const t = this.toks[this.pos]
    if (!t || (t.type !== 'op' && t.type !== 'punct')) return undefined
    let op = t.text
    // The lexer yields `==` as two `=` tokens.
    if (op === '=' && this.toks[this.pos + 1]?.text === '=' && this.toks[this.pos + 1]!.start === t.end) {
      this.pos++
      op = '=='
    }
    if (!COMPARISONS.has(op)) return undefined
    this.pos++
    return op
  }

  private primary(): Value {
    const t = this.toks[this.pos++]
    if (!t) throw new NotConstant()
    if (t.type === 'string') return unquoteString(t.text)
    if (t.type === 'number') return toNumber(t.text)
    if (t.type === 'punct' && t.text === '-' && this.toks[this.pos]?.type === 'number') {
      return -toNumber(this.toks[this.pos++]!.text)
    }
    if (t.type === 'punct' && t.text === '(') {
      const v = this.or()
      if (this.toks[this.pos++]?.text !== ')') throw new NotConstant()
      return v
    }
    if (t.type === 'ident') {
      const w = t.text.toUpperCase()
      if (w === 'TRUE') return true
      if (w === 'FALSE') return false
      if (w === 'NULL') return null
      // Typed literals compare by their ISO text, which orders correctly within one type.
      if ((w === 'DATE' || w === 'TIMESTAMP') && this.toks[this.pos]?.type === 'string') {
        return unquoteString(this.toks[this.pos++]!.text)
      }
    }
    throw new NotConstant()
  }
}

function toNumber(text: string): number {
  const n = Number(text)
  if (Number.isNaN(n)) throw new NotConstant()
  return n
}

function truthy(v: Value): boolean {
  if (typeof v !== 'boolean' && v !== null) throw new NotConstant()
  return v === true
}

function compare(a: Value, op: string, b: Value): boolean {
  if (a === null || b === null) return false // SQL: comparing with NULL is never true
  if (typeof a !== typeof b) throw new NotConstant()
  switch (op) {
    case '=':
    case '==':
      return a === b
    case '!=':
    case '<>':
      return a !== b
    case '<':
      return a < b
    case '<=':
      return a <= b
    case '>':
      return a > b
    default:
      return a >= b
  }
}

/**
 * The truth value of a rendered `@IF` condition, or undefined when it is not a constant
 * expression. NULL counts as false. Example: `evaluateCondition("'day' = 'day'") === true`.
 */
export function evaluateCondition(sql: string): boolean | undefined {
  const toks = tokenize(sql).filter((t) => !isTrivia(t))
  if (toks.length === 0) return undefined
  try {
    const v = new Parser(toks).parse()
    return truthy(v)
  } catch (e) {
    if (e instanceof NotConstant) return undefined
    throw e
  }
}
