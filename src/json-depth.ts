// How deeply a JSON value nests objects and arrays (WORKBINS_JSON_MAX_DEPTH, docs/security.md
// "REST input"). JSON.parse is iterative and takes any depth the body limit lets through, but
// JSON.stringify recurses: a value nested a few thousand deep overflows the stack wherever it
// is written (the store) or read (a reply), so every REST body and every interaction of a
// provisioning document is held to a depth before anything is done with it. The walk below is
// a loop over an explicit stack, so checking a value cannot overflow the stack either.

/**
 * 32: the API's own fields nest 2 deep in a body (`userData`, `channels`, `workbin`: flat
 * objects and lists of strings), GWS media fields in `extra` 4 (a chat's `participants`, a list
 * of objects: body, extra, list, participant), an interaction of the demo document 3. 32 leaves
 * `extra` 30 levels of its own, far more than a record of fields needs and a hundred times
 * less than what overflows the stack (a few thousand).
 */
export const DEFAULT_JSON_MAX_DEPTH = 32

/** Keys and indexes from a value down to one nested in it. */
export type JsonPath = (string | number)[]

interface Frame {
  readonly container: object
  /** The object's own keys; null for an array (its indexes). */
  readonly keys: string[] | null
  readonly length: number
  /** The child being walked (or next, before the first). */
  next: number
}

function frameOf(container: object): Frame {
  if (Array.isArray(container)) return { container, keys: null, length: container.length, next: 0 }
  const keys = Object.keys(container)
  return { container, keys, length: keys.length, next: 0 }
}

function isContainer(v: unknown): v is object {
  return typeof v === 'object' && v !== null
}

/**
 * The path to the first object or array nested more than `max` deep in `value`, or undefined
 * when none is. Depth counts containers: a scalar is 0 deep, `{}` and `[]` 1, `{"a":[1]}` 2;
 * `[]` (the empty path) when `value` itself is a container and `max` is below 1.
 */
export function tooDeep(value: unknown, max: number): JsonPath | undefined {
  if (!isContainer(value)) return undefined
  if (max < 1) return []
  const stack: Frame[] = [frameOf(value)]
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame
    if (top.next >= top.length) {
      stack.pop()
      continue
    }
    const i = top.next++
    const key = top.keys === null ? i : (top.keys[i] as string)
    const child: unknown = (top.container as Record<string | number, unknown>)[key]
    if (!isContainer(child)) continue
    if (stack.length >= max) {
      return stack.map((f) => (f.keys === null ? f.next - 1 : (f.keys[f.next - 1] as string)))
    }
    stack.push(frameOf(child))
  }
  return undefined
}

/** `["extra","deep",0]` → `extra.deep[0]` (the dotted/bracket form of provisioning paths). */
export function formatJsonPath(path: JsonPath, prefix = ''): string {
  let out = prefix
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`
    else out += `[${JSON.stringify(part.length > 64 ? `${part.slice(0, 64)}…` : part)}]`
  }
  return out
}
