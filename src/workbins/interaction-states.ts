// The states an interaction goes through (docs/interactions.md "Interaction life").

export const INVITED = 'Invited'
export const PROCESSING = 'Processing'
export const IN_WORKBIN = 'InWorkbin'
/** Waiting in a queue (nobody handles it). */
export const QUEUED = 'Queued'
export const COMPLETED = 'Completed'
/** Shown to an agent whose offer was withdrawn (never stored). */
export const REVOKED = 'Revoked'
