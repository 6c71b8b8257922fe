import { reactive } from 'vue'
import type { User } from '../lib/types'

// There is no endpoint that lists users: the admin pages show the ones
// created in this session, newest first.
export const admin = reactive({
  createdUsers: [] as User[],
})

export function rememberCreated(u: User): void {
  admin.createdUsers = [u, ...admin.createdUsers.filter((x) => x.id !== u.id)]
}
