// The browsable page of the OpenAPI document: plain HTML rendered on the server, no script
// and no asset to fetch, so it works offline and under a strict Content-Security-Policy.

export interface OpenApiDocument {
  info: { title: string; description?: string }
  paths: Record<string, Record<string, OpenApiOperation>>
}

export interface OpenApiOperation {
  summary?: string
  tags?: string[]
  requestBody?: {
    content: Record<string, { examples?: Record<string, { summary?: string; value: unknown }> }>
  }
  responses?: Record<
    string,
    { description?: string; content?: Record<string, { example?: unknown }> }
  >
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const json = (v: unknown) => `<pre>${escape(JSON.stringify(v, null, 2))}</pre>`

export function renderOpenApiPage(doc: OpenApiDocument, jsonUrl: string): string {
  const out: string[] = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${escape(doc.info.title)}</title>`,
    '<style>body{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem}',
    'h3{font-family:monospace}pre{background:#f4f4f4;padding:.5rem;overflow:auto}</style>',
    `</head><body><h1>${escape(doc.info.title)}</h1>`,
    `<p>${escape(doc.info.description ?? '')}</p>`,
    `<p>Machine-readable: <a href="${escape(jsonUrl)}">${escape(jsonUrl)}</a></p>`,
  ]
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      out.push(`<h3>${escape(method.toUpperCase())} ${escape(path)}</h3>`)
      if (op.summary) out.push(`<p>${escape(op.summary)}</p>`)
      const examples = op.requestBody?.content['application/json']?.examples ?? {}
      for (const [name, example] of Object.entries(examples)) {
        out.push(`<h4>${escape(name)}</h4><p>${escape(example.summary ?? '')}</p>`)
        out.push(json(example.value))
      }
      const ok = op.responses?.['200']?.content?.['application/json']?.example
      if (ok !== undefined) out.push('<h4>200</h4>', json(ok))
    }
  }
  out.push('</body></html>')
  return out.join('\n')
}
