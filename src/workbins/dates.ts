// The GWS date format of interactions (`receivedDate`): `yyyy-MM-dd HH:mm:ss.SSS±HHmm`
// (docs/api.md). One formatter and parser for the domain and provisioning.

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** Format `date` in the local time zone of the process, e.g. `2016-04-08 15:05:57.000+0300`. */
export function formatReceivedDate(date: Date = new Date()): string {
  const offset = -date.getTimezoneOffset()
  const sign = offset >= 0 ? '+' : '-'
  const abs = Math.abs(offset)
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.` +
    `${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  )
}

/** ms epoch of a GWS date, NaN when it is not one (or names an impossible day or time). */
export function receivedAtMs(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})([+-])(\d{2})(\d{2})$/.exec(
    value,
  )
  if (!m) return NaN
  const [y, mo, d, h, mi, s, ms, , oh, om] = m.slice(1).map(Number) as number[]
  if ([y, mo, d, h, mi, s, ms, oh, om].some((v) => v === undefined)) return NaN
  const utc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!)
  const check = new Date(utc)
  const valid =
    check.getUTCMonth() === mo! - 1 && check.getUTCDate() === d! && h! < 24 && mi! < 60 && s! < 60
  if (!valid || oh! > 14 || om! > 59) return NaN
  const offsetMs = (oh! * 60 + om!) * 60_000 * (m[8] === '+' ? 1 : -1)
  return utc - offsetMs
}
