/**
 * Parser for SQLMesh-style model selectors (`--select`, `--restate-model`, ...):
 *
 * ```
 * or      := and ('|' and)*
 * and     := unary ('&' unary)*
 * unary   := '^' unary | lineage                    -- ^ binds tighter than & and |
 * lineage := '+'? primary '+'?                      -- +x upstream, x+ downstream
 * primary := NAME | 'tag:' PATTERN | '(' or ')'
 * ```
 *
 * Whitespace between tokens is ignored. A name or tag runs until whitespace or one of `( ) & | ^ +`;
 * double quotes keep those characters inside a name (`"my schema".t`) and are dropped afterwards.
 * `^x+` reads as `^(x+)`.
 */
import { PlanError } from '../errors.js'
import { globToRegExp, hasWildcard } from './glob.js'

/** A model name or wildcard pattern (`oso.stg_github__events`, `oso.int_*`). */
export interface ModelAtom {
  kind: 'model'
  /** The name or pattern with quotes removed; matched case-insensitively. */
  pattern: string
  /** The atom as written, for messages. */
  text: string
  /** 0-based offset of the atom in the selector. */
  pos: number
}

/** `tag:<pattern>`: models with at least one tag matching the pattern (case-insensitive). */
export interface TagAtom {
  kind: 'tag'
  /** The pattern after `tag:`, quotes removed (`entity_category=project`, `github*`). */
  pattern: string
  /** The atom as written, including `tag:`. */
  text: string
  /** 0-based offset of the atom in the selector. */
  pos: number
}

/** A leaf of the selector tree. */
export type SelectorAtom = ModelAtom | TagAtom

/** A parsed selector expression. */
export type SelectorNode =
  | SelectorAtom
  /** `+x` (upstream), `x+` (downstream) or `+x+` (both): the operand plus its ancestors/descendants. */
  | { kind: 'lineage'; upstream: boolean; downstream: boolean; operand: SelectorNode }
  /** `^x`: every model the operand does not select. */
  | { kind: 'not'; operand: SelectorNode }
  /** `a & b & ...`, two or more operands. */
  | { kind: 'and'; operands: SelectorNode[] }
  /** `a | b | ...`, two or more operands. */
  | { kind: 'or'; operands: SelectorNode[] }

type TokenType = '(' | ')' | '&' | '|' | '^' | '+' | 'word' | 'end'

interface Token {
  type: TokenType
  text: string
  pos: number
}

const OPERATOR_CHARS = '()&|^+'

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r'
}

/** Throw the `OPTION_INVALID` error for `selector`, pointing at `pos`. */
function fail(selector: string, what: string, pos: number): never {
  throw new PlanError('OPTION_INVALID', `invalid selector "${selector}": ${what} at position ${pos}`)
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < src.length) {
    const ch = src[i]!
    if (isSpace(ch)) {
      i++
    } else if (OPERATOR_CHARS.includes(ch)) {
      tokens.push({ type: ch as TokenType, text: ch, pos: i })
      i++
    } else {
      const start = i
      while (i < src.length && !isSpace(src[i]!) && !OPERATOR_CHARS.includes(src[i]!)) {
        if (src[i] === '"') {
          const close = src.indexOf('"', i + 1)
          if (close < 0) fail(src, 'unterminated quoted name', i)
          i = close + 1
        } else {
          i++
        }
      }
      tokens.push({ type: 'word', text: src.slice(start, i), pos: start })
    }
  }
  tokens.push({ type: 'end', text: '', pos: src.length })
  return tokens
}

function describe(tok: Token): string {
  if (tok.type === 'end') return 'end of selector'
  if (tok.type === 'word') return `"${tok.text}"`
  return `'${tok.text}'`
}

class Parser {
  private i = 0

  constructor(
    private readonly src: string,
    private readonly tokens: readonly Token[],
  ) {}

  parse(): SelectorNode {
    const node = this.parseOr()
    const tok = this.peek()
    if (tok.type === ')') fail(this.src, "unexpected ')' without a matching '('", tok.pos)
    if (tok.type === 'word') {
      fail(this.src, `expected '&', '|' or the end, found ${describe(tok)} (use '|' to select several models)`, tok.pos)
    }
    if (tok.type !== 'end') fail(this.src, `unexpected ${describe(tok)}`, tok.pos)
    return node
  }

  private peek(): Token {
    return this.tokens[this.i]!
  }

  private next(): Token {
    const tok = this.tokens[this.i]!
    if (tok.type !== 'end') this.i++
    return tok
  }

  private accept(type: TokenType): boolean {
    if (this.peek().type !== type) return false
    this.i++
    return true
  }

  private parseOr(): SelectorNode {
    const operands = [this.parseAnd()]
    while (this.accept('|')) operands.push(this.parseAnd())
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands }
  }

  private parseAnd(): SelectorNode {
    const operands = [this.parseUnary()]
    while (this.accept('&')) operands.push(this.parseUnary())
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands }
  }

  private parseUnary(): SelectorNode {
    if (this.accept('^')) return { kind: 'not', operand: this.parseUnary() }
    const upstream = this.accept('+')
    const operand = this.parsePrimary()
    const downstream = this.accept('+')
    return upstream || downstream ? { kind: 'lineage', upstream, downstream, operand } : operand
  }

  private parsePrimary(): SelectorNode {
    const before = this.tokens[this.i - 1]
    const tok = this.next()
    if (tok.type === 'word') return parseAtom(this.src, tok)
    if (tok.type === '(') {
      const inner = this.parseOr()
      const close = this.peek()
      if (close.type === ')') {
        this.next()
        return inner
      }
      if (close.type === 'end') fail(this.src, "missing ')'", close.pos)
      fail(this.src, `expected '&', '|' or ')', found ${describe(close)}`, close.pos)
    }
    const after = before ? ` after '${before.text}'` : ''
    const found = tok.type === 'end' ? `the selector ends${after}` : `found ${describe(tok)}${after}`
    return fail(this.src, `expected a model name, tag: or '(' but ${found}`, tok.pos)
  }
}

const METHOD = /^([A-Za-z_][A-Za-z0-9_]*):/

function parseAtom(src: string, tok: Token): SelectorAtom {
  const method = METHOD.exec(tok.text)
  if (method) {
    const name = method[1]!.toLowerCase()
    const valuePos = tok.pos + method[0].length
    if (name === 'git') fail(src, "'git:' selections are not supported", tok.pos)
    if (name !== 'tag') fail(src, `unknown selection method '${method[1]}:' (only 'tag:' is supported)`, tok.pos)
    const pattern = unquote(tok.text.slice(method[0].length))
    if (pattern === '') fail(src, "empty tag after 'tag:'", valuePos)
    checkPattern(src, pattern, valuePos)
    return { kind: 'tag', pattern, text: tok.text, pos: tok.pos }
  }
  const pattern = unquote(tok.text)
  if (pattern === '') fail(src, 'empty model name', tok.pos)
  checkPattern(src, pattern, tok.pos)
  return { kind: 'model', pattern, text: tok.text, pos: tok.pos }
}

function unquote(text: string): string {
  return text.replaceAll('"', '')
}

/** Reject wildcard patterns the matcher cannot compile (`[z-a]`), at parse time. */
function checkPattern(src: string, pattern: string, pos: number): void {
  if (!hasWildcard(pattern)) return
  try {
    globToRegExp(pattern)
  } catch {
    fail(src, `invalid character class in "${pattern}"`, pos)
  }
}

/**
 * Parse one selector expression.
 * @throws PlanError `OPTION_INVALID` naming the selector and the 0-based position of the problem,
 *   e.g. `invalid selector "(a & b": missing ')' at position 6`.
 * @example parseSelector('+tag:finance & ^oso.int_*')
 */
export function parseSelector(selector: string): SelectorNode {
  if (selector.trim() === '') fail(selector, 'empty selector', 0)
  return new Parser(selector, tokenize(selector)).parse()
}

/**
 * Render a selector tree back to text, fully parenthesised, so precedence is visible.
 * Example: `formatSelector(parseSelector('a | b & ^c'))` -> `'(a | (b & ^c))'`.
 */
export function formatSelector(node: SelectorNode): string {
  switch (node.kind) {
    case 'model':
      return node.pattern
    case 'tag':
      return `tag:${node.pattern}`
    case 'lineage':
      return `${node.upstream ? '+' : ''}${formatSelector(node.operand)}${node.downstream ? '+' : ''}`
    case 'not':
      return `^${formatSelector(node.operand)}`
    case 'and':
    case 'or':
      return `(${node.operands.map(formatSelector).join(node.kind === 'and' ? ' & ' : ' | ')})`
    default: {
      const never: never = node
      return never
    }
  }
}
