// The configuration table as markdown, written from CONFIG_TABLE (src/config.ts).

import { CONFIG_TABLE, type ConfigRow } from './config.ts'

/** The values a setting accepts, from its declared bounds: `0–65535`, `≥ 1`; flags `0` or `1`. */
export function configRange(row: ConfigRow): string {
  if (row.kind === 'bool') return '`0` or `1`'
  const { min, max } = row
  if (min !== undefined && max !== undefined) return `${min}–${max}`
  if (min !== undefined) return `≥ ${min}`
  if (max !== undefined) return `≤ ${max}`
  return ''
}

export function configTableMarkdown(): string {
  const rows = CONFIG_TABLE.map(
    (e) =>
      `| \`${e.env}\` | ${e.def === '' ? '(empty)' : `\`${e.def}\``} | ${configRange(e)} | ${e.doc} |`,
  )
  return ['| Variable | Default | Range | Meaning |', '|---|---|---|---|', ...rows].join('\n')
}
