import { createRouter, createWebHashHistory } from 'vue-router'
// Every page but sign-in loads on first visit (each is its own chunk), so
// the sign-in page carries only what it runs.
import LoginView from './views/LoginView.vue'
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
    { path: '/', name: 'home', component: () => import('./views/ChatsView.vue') },
    { path: '/setup', name: 'setup', component: () => import('./views/SetupView.vue'), meta: { public: true } },
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    { path: '/register', name: 'register', component: () => import('./views/RegisterView.vue'), meta: { public: true } },
    {
      path: '/verify-email',
      name: 'verify-email',
      component: () => import('./views/VerifyEmailView.vue'),
      meta: { public: true },
    },
    {
      path: '/forgot-password',
      name: 'forgot-password',
      component: () => import('./views/ForgotPasswordView.vue'),
      meta: { public: true },
    },
    {
      path: '/reset-password',
      name: 'reset-password',
      component: () => import('./views/ResetPasswordView.vue'),
      meta: { public: true },
    },
    { path: '/chats/:id(\\d+)?', name: 'chats', component: () => import('./views/ChatsView.vue') },
    { path: '/inbox/:id(\\d+)?', name: 'inbox', component: () => import('./views/InboxView.vue'), meta: { agent: true } },
    { path: '/contacts/:site(\\d+)?/:id(\\d+)?', name: 'contacts', component: () => import('./views/ContactsView.vue'), meta: { agent: true } },
    { path: '/reports', name: 'reports', component: () => import('./views/ReportsView.vue'), meta: { agent: true } },
    { path: '/admin/:section(sites|users|wallets|audit|labels|teams)?/:id(\\d+)?', name: 'admin', component: () => import('./views/AdminView.vue'), meta: { admin: true } },
    { path: '/profile', name: 'profile', component: () => import('./views/ProfileView.vue') },
    { path: '/wallet', name: 'wallet', component: () => import('./views/WalletView.vue') },
    { path: '/friends/:tab(requests|add|blocked)?', name: 'friends', component: () => import('./views/FriendsView.vue') },
    { path: '/groups/:id(\\d+)?', name: 'groups', component: () => import('./views/GroupsView.vue') },
    // Opened from a QR code or a shared link; signing in first comes back here.
    { path: '/add/:code', name: 'add', component: () => import('./views/AddView.vue') },
    { path: '/invite/:token', name: 'invite', component: () => import('./views/InviteView.vue') },
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
