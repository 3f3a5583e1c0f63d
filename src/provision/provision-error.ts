// A rejected provisioning document. The message starts with the JSON path of the first bad
// value (`contactCenters[0].users[3].place: ...`, docs/provisioning.md); `issues` lists them all.

export interface ProvisionIssue {
  /** JSON path in dotted/bracket form, e.g. `contactCenters[0].users[3].place`. */
  path: string
  message: string
}

const MAX_LISTED = 10

export class ProvisionError extends Error {
  readonly issues: ProvisionIssue[]

  constructor(issues: ProvisionIssue[]) {
    const listed = issues.slice(0, MAX_LISTED).map((i) => `${i.path || '(document)'}: ${i.message}`)
    if (issues.length > MAX_LISTED) listed.push(`… and ${issues.length - MAX_LISTED} more`)
    super(listed.join('; '))
    this.name = 'ProvisionError'
    this.issues = issues
  }
}

/** `/contactCenters/0/users/3/place` (JSON pointer) → `contactCenters[0].users[3].place`. */
export function pointerToPath(pointer: string): string {
  let out = ''
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (/^\d+$/.test(part)) out += `[${part}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`
    else out += `[${JSON.stringify(part)}]`
  }
  return out
}
