import { reactive } from 'vue'
import { loadMuted, saveMuted } from '../lib/alerts'
import type { KeyValueStore } from '../lib/types'

type Permission = 'default' | 'granted' | 'denied' | 'unsupported'

function currentPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : (Notification.permission as Permission)
}

export const alerts = reactive({
  muted: false,
  permission: currentPermission(),
})

let storage: KeyValueStore | null = null

export function startAlerts(s: KeyValueStore): void {
  storage = s
  alerts.muted = loadMuted(s)
  alerts.permission = currentPermission()
}

export function setMuted(muted: boolean): void {
  alerts.muted = muted
  if (storage) saveMuted(storage, muted)
}

/** Asks for permission to show desktop notifications; only ever from a click. */
export async function askNotificationPermission(): Promise<void> {
  if (typeof Notification === 'undefined') return
  try {
    alerts.permission = (await Notification.requestPermission()) as Permission
  } catch {
    alerts.permission = currentPermission()
  }
}

let audio: AudioContext | null = null

/** A short two-tone chime made with WebAudio (no sound file). */
export function chime(): void {
  if (alerts.muted) return
  try {
    const Ctx = window.AudioContext || (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext
    if (!Ctx) return
    audio = audio ?? new Ctx()
    if (audio.state === 'suspended') void audio.resume()
    const t = audio.currentTime
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator()
      const gain = audio.createGain()
      osc.type = 'sine'
      osc.frequency.value = freq
      const start = t + i * 0.12
      gain.gain.setValueAtTime(0.0001, start)
      gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02)
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.18)
      osc.connect(gain).connect(audio.destination)
      osc.start(start)
      osc.stop(start + 0.2)
    }
  } catch {
    // No audio: the notification still shows.
  }
}

/**
 * Shows a desktop notification (when allowed and the page is not in front)
 * and plays the chime. Clicking the notification brings the tab forward and
 * runs onClick.
 */
export function notify(title: string, body: string, tag: string, onClick?: () => void): void {
  chime()
  if (alerts.permission !== 'granted' || typeof Notification === 'undefined') return
  if (document.visibilityState === 'visible' && document.hasFocus()) return
  try {
    const n = new Notification(title, { body, tag })
    n.onclick = () => {
      window.focus()
      onClick?.()
      n.close()
    }
  } catch {
    // Some browsers only allow notifications from a service worker.
  }
}
