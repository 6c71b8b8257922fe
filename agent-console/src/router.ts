import { createRouter, createWebHashHistory } from 'vue-router'
import SetupView from './views/SetupView.vue'
import LoginView from './views/LoginView.vue'
import RegisterView from './views/RegisterView.vue'
import VerifyEmailView from './views/VerifyEmailView.vue'
import ChatsView from './views/ChatsView.vue'
import FriendsView from './views/FriendsView.vue'
import GroupsView from './views/GroupsView.vue'
import AddView from './views/AddView.vue'
import InviteView from './views/InviteView.vue'
import InboxView from './views/InboxView.vue'
import ForgotPasswordView from './views/ForgotPasswordView.vue'
import ResetPasswordView from './views/ResetPasswordView.vue'
// The admin, reports, wallet and profile pages load on first visit.
import { checkSetup, restoreSession, session } from './state/session'
import { homeFor } from './lib/home'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean
    /** Only for agents and admins. */
    agent?: boolean
    /** Only for admins. */
    admin?: boolean
  }
}

// Hash history: the server only has to serve /console/ itself, and links in
// e-mails such as /console/#/verify-email?token=… work without rewrites.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    // Resolved in the guard below, once the user is known.
    { path: '/', name: 'home', component: ChatsView },
    { path: '/setup', name: 'setup', component: SetupView, meta: { public: true } },
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    { path: '/register', name: 'register', component: RegisterView, meta: { public: true } },
    {
      path: '/verify-email',
      name: 'verify-email',
      component: VerifyEmailView,
      meta: { public: true },
    },
    {
      path: '/forgot-password',
      name: 'forgot-password',
      component: ForgotPasswordView,
      meta: { public: true },
    },
    {
      path: '/reset-password',
      name: 'reset-password',
      component: ResetPasswordView,
      meta: { public: true },
    },
    { path: '/chats/:id(\\d+)?', name: 'chats', component: ChatsView },
    { path: '/inbox/:id(\\d+)?', name: 'inbox', component: InboxView, meta: { agent: true } },
    { path: '/reports', name: 'reports', component: () => import('./views/ReportsView.vue'), meta: { agent: true } },
    { path: '/admin/:section(sites|users|wallets|audit|labels)?/:id(\\d+)?', name: 'admin', component: () => import('./views/AdminView.vue'), meta: { admin: true } },
    { path: '/profile', name: 'profile', component: () => import('./views/ProfileView.vue') },
    { path: '/wallet', name: 'wallet', component: () => import('./views/WalletView.vue') },
    { path: '/friends/:tab(requests|add|blocked)?', name: 'friends', component: FriendsView },
    { path: '/groups/:id(\\d+)?', name: 'groups', component: GroupsView },
    // Opened from a QR code or a shared link; signing in first comes back here.
    { path: '/add/:code', name: 'add', component: AddView },
    { path: '/invite/:token', name: 'invite', component: InviteView },
    { path: '/:rest(.*)*', redirect: { name: 'home' } },
  ],
})

router.beforeEach(async (to) => {
  if (to.name === 'verify-email' || to.name === 'reset-password') return true
  if (session.setupNeeded === null) await checkSetup()
  if (session.setupNeeded) return to.name === 'setup' ? true : { name: 'setup' }
  if (to.name === 'setup') return { name: 'home' }

  let user = session.user
  if (!user) {
    try {
      user = await restoreSession()
    } catch {
      user = null
    }
  }
  if (to.meta.public) return user && (to.name === 'login' || to.name === 'register' || to.name === 'forgot-password') ? { name: homeFor(user) } : true
  if (!user) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (to.name === 'home') return { name: homeFor(user) }
  if (to.meta.admin && user.role !== 'admin') return { name: 'chats' }
  if (to.meta.agent && user.role !== 'agent' && user.role !== 'admin') return { name: 'chats' }
  return true
})
