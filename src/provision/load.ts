// Reading a provisioning document from a file, and what the server does with documents at start.

import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Store } from '../store/store.ts'
import { type ApplyResult, applyDocument, type ProvisionLog } from './apply.ts'
import { formatProgress, progressReporter } from './progress.ts'
import { ProvisionError } from './provision-error.ts'
import type { ProvisionDocument } from './schema.ts'
import { validateDocument, type ValidateOptions } from './validate.ts'

/** Read, parse and validate a document file. Fails with a ProvisionError naming the problem. */
export async function loadDocumentFile(
  file: string,
  opts: ValidateOptions = {},
): Promise<ProvisionDocument> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ProvisionError([
      { path: '', message: `cannot read ${file}: ${(err as Error).message}` },
    ])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ProvisionError([
      { path: '', message: `${file} is not valid JSON: ${(err as Error).message}` },
    ])
  }
  return validateDocument(json, new Map(), opts)
}

/** The demo contact centers (docs/provisioning.md), validated on every load. */
export async function loadDemoDocument(): Promise<ProvisionDocument> {
  return loadDocumentFile(fileURLToPath(new URL('./demo.json', import.meta.url)))
}

export interface ProvisionAtStartOptions {
  /** A document to apply (WORKBINS_PROVISION). */
  provisionFile?: string | undefined
  /** Load the demo contact center into an empty store (WORKBINS_DEMO). */
  demo: boolean
  /** WORKBINS_PROVISION_CONCURRENCY. */
  concurrency?: number | undefined
  /** WORKBINS_PROVISION_FINGERPRINTS: '' = beside the document, 'off' = none. */
  fingerprints?: string | undefined
  /** WORKBINS_PROVISION_PROGRESS_MS: how often the password step's progress is logged. */
  progressMs?: number | undefined
  /** WORKBINS_JSON_MAX_DEPTH: how deeply an interaction of the file may nest. */
  jsonMaxDepth?: number | undefined
  /** WORKBINS_MAX_HANDLED_PER_AGENT (applyDocument). */
  maxHandledPerAgent?: number | undefined
}

export interface ProvisionAtStartResult {
  demo?: ApplyResult
  file?: ApplyResult
}

/** Where the fingerprints of `document`'s passwords are kept, per WORKBINS_PROVISION_FINGERPRINTS. */
export function fingerprintFileFor(document: string, setting = ''): string | undefined {
  if (setting === 'off') return undefined
  return setting === '' ? `${document}.fingerprints` : setting
}

/**
 * Called by the server after store.migrate(): the demo document when `demo` and the store is
 * empty, then the provisioning file if one is given. A bad file throws a ProvisionError whose
 * message names the path; the caller aborts the start with it.
 */
export async function provisionAtStart(
  store: Store,
  options: ProvisionAtStartOptions,
  log?: ProvisionLog,
): Promise<ProvisionAtStartResult> {
  const out: ProvisionAtStartResult = {}
  const concurrency = options.concurrency
  if (options.demo && (await store.isEmpty())) {
    out.demo = await applyDocument(store, await loadDemoDocument(), {
      log,
      concurrency,
      maxHandledPerAgent: options.maxHandledPerAgent,
    })
  }
  const file = options.provisionFile
  if (file) {
    const doc = await loadDocumentFile(file, { jsonMaxDepth: options.jsonMaxDepth })
    // Progress in the log at a steady pace; the summary line follows at the end.
    const progress = progressReporter(options.progressMs ?? 5000, (s, final) => {
      if (!final) log?.info({ progress: s }, `provisioning ${file}: ${formatProgress(s)}`)
    })
    out.file = await applyDocument(store, doc, {
      log,
      concurrency,
      fingerprintFile: fingerprintFileFor(file, options.fingerprints),
      jsonMaxDepth: options.jsonMaxDepth,
      maxHandledPerAgent: options.maxHandledPerAgent,
      onProgress: (done, total) => progress.update(done, total),
    })
  }
  return out
}
