// The provisioning document (docs/provisioning.md): validate, plan, apply; at start and from
// the CLI.

export {
  applyDocument,
  checkAgainstStore,
  summarize,
  type ApplyOptions,
  type ApplyResult,
  type ProvisionLog,
} from './apply.ts'
export { DEFAULT_CAPABILITIES, defaultCapabilities } from '../workbins/capabilities.ts'
export { formatReceivedDate, receivedAtMs } from '../workbins/dates.ts'
export {
  fingerprintFileFor,
  loadDemoDocument,
  loadDocumentFile,
  provisionAtStart,
  type ProvisionAtStartOptions,
  type ProvisionAtStartResult,
} from './load.ts'
export { type PasswordStats } from './passwords.ts'
export { buildPlan } from './plan.ts'
export { formatProgress, progressReporter, type ProgressSnapshot } from './progress.ts'
export { ProvisionError, type ProvisionIssue } from './provision-error.ts'
export type { ProvisionDocument } from './schema.ts'
export { validateDocument, type ExistingDirectories, type ValidateOptions } from './validate.ts'
