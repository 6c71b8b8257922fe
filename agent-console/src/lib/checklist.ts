import type { Schemas } from './schemas'

export type SetupChecklist = Schemas['SetupChecklist']
export type ChecklistStepId = SetupChecklist['steps'][number]['id']

/** Where each step is done in the console ('' when it is done elsewhere). */
export const STEP_LINKS: Record<ChecklistStepId, string> = {
  create_site: '#/admin/sites',
  join_queue: '#/admin/sites',
  go_online: '',
  paste_snippet: '#/admin/sites',
  test_message: '',
}

/** The step to take next: the first not done, or null when all are. */
export function nextStep(c: SetupChecklist | null | undefined): ChecklistStepId | null {
  return c?.steps.find((s) => !s.done)?.id ?? null
}

/** How many steps are done, for "2 of 5 done". */
export function doneCount(c: SetupChecklist | null | undefined): number {
  return c?.steps.filter((s) => s.done).length ?? 0
}

/** The key remembering that a user dismissed the finished checklist. */
export function dismissKey(userId: number): string {
  return `parley.checklist.dismissed.${userId}`
}
