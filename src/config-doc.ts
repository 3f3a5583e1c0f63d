// The configuration table as markdown, written from CONFIG_TABLE (src/config.ts).

import { CONFIG_TABLE } from './config.ts'

export function configTableMarkdown(): string {
  const rows = CONFIG_TABLE.map(
    (e) => `| \`${e.env}\` | ${e.def === '' ? '(empty)' : `\`${e.def}\``} | ${e.doc} |`,
  )
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n')
}
