// The REST shapes the widget reads: aliases of the OpenAPI document's
// schemas, generated into src/generated/api.ts (npm run gen:api).
//
// The widget keeps only the fields it reads. Where the document is still
// looser than what the server sends, the alias narrows it and says so.

import type { components } from '../generated/api'

type Schemas = components['schemas']

/** T with the fields of O replaced. */
type Override<T, O> = Omit<T, keyof O> & O

type WidgetSession = Schemas['WidgetSession']

type WidgetSite = WidgetSession['site']

/** An upload as the server describes it, in upload answers and messages. */
export type Attachment = Schemas['Attachment']

export type Sender = Schemas['Sender']

/** A message as the visitor sees it; client_msg_id is read only to match the visitor's own sends. */
export type Message = Pick<Schemas['Message'], 'id' | 'conversation_id' | 'seq' | 'kind' | 'body' | 'created_at' | 'sender' | 'attachment' | 'event'> &
  Partial<Pick<Schemas['Message'], 'client_msg_id' | 'automated'>>

export type Visitor = Pick<Schemas['Visitor'], 'id' | 'name' | 'email' | 'identified'>

/** The site as the widget shows it. */
export type Site = Pick<WidgetSite, 'name' | 'color' | 'greeting' | 'away_message' | 'online' | 'open' | 'prechat' | 'queues'> &
  Partial<Pick<WidgetSite, 'font_family' | 'launcher_position'>>

export type Conversation = Pick<Schemas['SupportConversation'], 'id' | 'status' | 'last_seq' | 'queue_position' | 'rating' | 'assignee'> &
  Partial<Pick<Schemas['SupportConversation'], 'last_message'>>

/** POST /widget/session. */
export type Session = Override<
  Pick<WidgetSession, 'visitor_token' | 'uploads'>,
  { visitor: Visitor; site: Site; conversation: Conversation | null }
>

/** A page of messages. The widget also accepts a null items list. */
export type Page = Override<Schemas['MessagePage'], { items: Message[] | null }>
