/** A minimal XML well-formedness checker and element reader, for asserting on JUnit reports. */
export interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: XmlElement[]
  text: string
}

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decode(s: string): string {
  return s.replace(/&([a-z]+|#\d+|#x[0-9a-f]+);|&/gi, (m, e: string | undefined) => {
    if (e === undefined) throw new Error(`bare & in ${JSON.stringify(s)}`)
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16))
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)))
    const v = ENTITY[e]
    if (v === undefined) throw new Error(`unknown entity ${m}`)
    return v
  })
}

/** Parse a document (prolog allowed); throws on anything not well-formed. */
export function parseXml(xml: string): XmlElement {
  let i = 0
  const rest = (): string => xml.slice(i)
  const prolog = /^<\?xml[^?]*\?>\s*/.exec(rest())
  if (prolog) i += prolog[0].length
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  while (i < xml.length) {
    if (xml[i] === '<') {
      const close = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(rest())
      if (close) {
        const top = stack.pop()
        if (!top || top.name !== close[1]) throw new Error(`mismatched </${close[1]}>`)
        i += close[0].length
        continue
      }
      const open = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>/.exec(rest())
      if (!open) throw new Error(`bad tag at ${i}: ${rest().slice(0, 40)}`)
      const attrs: Record<string, string> = {}
      for (const a of open[2]!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
        if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]}`)
        attrs[a[1]!] = decode(a[2]!)
      }
      const el: XmlElement = { name: open[1]!, attrs, children: [], text: '' }
      if (stack.length > 0) stack.at(-1)!.children.push(el)
      else if (root) throw new Error('two root elements')
      else root = el
      if (open[3] !== '/') stack.push(el)
      i += open[0].length
    } else {
      const end = xml.indexOf('<', i)
      const text = xml.slice(i, end < 0 ? xml.length : end)
      if (stack.length === 0 && text.trim() !== '') throw new Error('text outside the root element')
      if (stack.length > 0) stack.at(-1)!.text += decode(text)
      i = end < 0 ? xml.length : end
    }
  }
  if (stack.length > 0 || !root) throw new Error('unclosed elements')
  return root
}
