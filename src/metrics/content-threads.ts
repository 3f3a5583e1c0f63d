// What the content threads count (src/content-threads/pool.ts; docs/workbins-content.md
// "Whole content on a thread").

import { runningTotal, type Metrics } from './registry.ts'

interface ContentThreadCounts {
  threadReads: number
  sharedMemory: number
  fallbacks: number
}

export function contentThreadMetrics(metrics: Metrics, counts: () => ContentThreadCounts): void {
  runningTotal(
    metrics,
    'workbins_content_thread_reads_total',
    'Whole-content GETs read and built on a content thread',
    () => counts().threadReads,
  )
  runningTotal(
    metrics,
    'workbins_content_thread_shared_memory_total',
    'Those built in the memory the thread shares with the event loop (the rest did not fit)',
    () => counts().sharedMemory,
  )
  runningTotal(
    metrics,
    'workbins_content_thread_fallbacks_total',
    'Whole-content GETs read on the event loop because no content thread could take them',
    () => counts().fallbacks,
  )
}
