// The configuration table as markdown, written from CONFIG_TABLE (one source of truth).

import { CONFIG_TABLE } from './config.ts'

export function configTableMarkdown(): string {
  const rows = CONFIG_TABLE.map(
    (e) => `| \`${e.env}\` | ${e.def === '' ? '(empty)' : `\`${e.def}\``} | ${e.doc} |`,
  )
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n')
}
