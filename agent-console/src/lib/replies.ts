// Replies: a message may quote an earlier one of its conversation by seq
// (reply_to_seq). These helpers find and summarise the quoted message.
import type { Getter } from './chatApi'
import { t } from './i18n'
import { previewOf } from './messages'
import type { Message, MessagePage } from './types'

/** What a reply shows of the message it answers. */
export interface Quote {
  seq: number
  /** false: the original is not loaded (yet); show "Earlier message". */
  found: boolean
  sender: string
  text: string
}

const MAX_QUOTE = 120

/** A one-line summary of a quoted message, cut to a readable length. */
export function quoteText(m: Message): string {
  const t = previewOf(m) || (m.kind === 'text' ? '' : `[${m.kind}]`)
  return t.length > MAX_QUOTE ? `${t.slice(0, MAX_QUOTE - 1)}…` : t
}

/** The message a message should quote as a reply to, looked up by seq in what is held. */
export function quoteOf(seq: number | null | undefined, held: readonly Message[], extra?: ReadonlyMap<number, Message>): Quote | null {
  if (typeof seq !== 'number' || seq < 1) return null
  const m = held.find((x) => x.seq === seq) ?? extra?.get(seq)
  if (!m) return { seq, found: false, sender: '', text: t('reply.earlier') }
  return { seq, found: true, sender: m.sender.name || t('msg.unknown'), text: quoteText(m) }
}

/** Seqs quoted by held messages whose originals are not held. */
export function missingQuotes(held: readonly Message[], extra?: ReadonlyMap<number, Message>): number[] {
  const have = new Set(held.map((m) => m.seq))
  const out = new Set<number>()
  for (const m of held) {
    const s = m.reply_to_seq
    if (typeof s === 'number' && s > 0 && !have.has(s) && !extra?.has(s)) out.add(s)
  }
  return [...out].sort((a, b) => a - b)
}

/** Fetches one message of a conversation by seq (null when it does not exist). */
export async function fetchMessage(get: Getter, conversationId: number, seq: number): Promise<Message | null> {
  const page = await get<MessagePage>(`/api/v1/conversations/${conversationId}/messages?after_seq=${seq - 1}&limit=1`)
  const m = page.items?.[0]
  return m && m.seq === seq ? m : null
}
