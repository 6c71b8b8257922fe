// The unread total the tab shows, in its title and on its favicon.

/** What the total needs to know of a conversation. */
export interface UnreadSource {
  id: number
  unread: number
}

/**
 * The number of unread messages across conversations: the one place the
 * total is computed, so that conversations left out of it (muted ones) are
 * left out everywhere. `skip` says which to leave out.
 */
export function totalUnread<T extends UnreadSource>(conversations: readonly T[], skip: (c: T) => boolean = () => false): number {
  let n = 0
  for (const c of conversations) {
    if (!skip(c)) n += Math.max(0, c.unread || 0)
  }
  return n
}

/** The text of the favicon's badge: '' for none, then 1…9, then "9+". */
export function badgeText(unread: number): string {
  if (!unread || unread <= 0) return ''
  return unread > 9 ? '9+' : String(unread)
}

const SIZE = 64

/**
 * Draws the icon with a red badge holding text in its top right corner on
 * a canvas of SIZE×SIZE pixels, and returns it as a PNG data URL.
 */
export function drawBadge(canvas: HTMLCanvasElement, icon: CanvasImageSource, text: string): string {
  canvas.width = SIZE
  canvas.height = SIZE
  const ctx = canvas.getContext('2d')
  if (!ctx) return ''
  ctx.clearRect(0, 0, SIZE, SIZE)
  ctx.drawImage(icon, 0, 0, SIZE, SIZE)
  const r = text.length > 1 ? 22 : 18
  const cx = SIZE - r
  const cy = r
  ctx.beginPath()
  ctx.arc(cx, cy, r, 0, Math.PI * 2)
  ctx.fillStyle = '#e03131'
  ctx.fill()
  ctx.lineWidth = 4
  ctx.strokeStyle = '#ffffff'
  ctx.stroke()
  ctx.fillStyle = '#ffffff'
  ctx.font = `bold ${text.length > 1 ? 24 : 28}px sans-serif`
  ctx.textAlign = 'center'
  ctx.textBaseline = 'middle'
  ctx.fillText(text, cx, cy + 2)
  return canvas.toDataURL('image/png')
}

/**
 * Keeps the page's favicon badged with the unread count: the original icon
 * at 0, a badged copy drawn from it otherwise.
 */
export function faviconBadger(doc: Document): (unread: number) => void {
  const link = doc.querySelector<HTMLLinkElement>('link[rel~="icon"]')
  if (!link) return () => {}
  const original = link.href
  const originalType = link.type
  let icon: HTMLImageElement | null = null
  let shown = ''
  let wanted = ''
  const apply = () => {
    if (wanted === shown) return
    if (!wanted) {
      link.type = originalType
      link.href = original
      link.removeAttribute('data-badge')
      shown = ''
      return
    }
    if (!icon || !icon.complete || icon.naturalWidth === 0) return
    const url = drawBadge(doc.createElement('canvas'), icon, wanted)
    if (!url) return
    link.type = 'image/png'
    link.href = url
    link.setAttribute('data-badge', wanted)
    shown = wanted
  }
  return (unread: number) => {
    wanted = badgeText(unread)
    if (wanted && !icon) {
      icon = new Image()
      icon.addEventListener('load', apply)
      icon.src = original
    }
    apply()
  }
}
