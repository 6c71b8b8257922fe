// The REST shapes the widget reads: aliases of the OpenAPI document's
// schemas, generated into src/generated/api.ts (npm run gen:api).
//
// The widget keeps only the fields it reads. Where the document is looser
// than what the server sends (fields left out of `required`, nullable fields
// not marked, inline objects), the alias narrows it and says so.

import type { components } from '../generated/api'

type Schemas = components['schemas']

/** Every field of T present, except the listed ones (the document marks none required). */
type Sent<T, Optional extends keyof T = never> = Required<Omit<T, Optional>> & Pick<T, Optional>

/** T with the fields of O replaced. */
type Override<T, O> = Omit<T, keyof O> & O

type WidgetSession = Schemas['WidgetSession']

/** An upload as the server describes it, in upload answers and messages. */
export type Attachment = Schemas['Attachment']

export type Sender = Sent<Schemas['Sender']>

/**
 * A message as the visitor sees it. The document types attachment as an
 * empty object; client_msg_id is read only to match the visitor's own sends.
 */
export type Message = Override<
  Pick<Sent<Schemas['Message']>, 'id' | 'conversation_id' | 'seq' | 'kind' | 'body' | 'created_at'>,
  { client_msg_id?: string; sender: Sender; attachment?: Attachment | null }
>

/** The document describes the visitor inline. */
export type Visitor = Pick<Sent<NonNullable<WidgetSession['visitor']>>, 'id' | 'name' | 'email' | 'identified'>

/** The document describes the site inline and does not mark prechat and queues nullable. */
export type Site = Override<
  Pick<Sent<NonNullable<WidgetSession['site']>>, 'name' | 'color' | 'greeting' | 'away_message' | 'online' | 'open'>,
  {
    prechat: Sent<NonNullable<NonNullable<WidgetSession['site']>['prechat']>[number]>[] | null
    queues: Sent<NonNullable<NonNullable<WidgetSession['site']>['queues']>[number]>[] | null
  }
>

/** The document does not mark queue_position, assignee and rating nullable. */
export type Conversation = Override<
  Pick<Sent<Schemas['SupportConversation']>, 'id' | 'status' | 'last_seq'>,
  { queue_position?: number | null; assignee: { id: number; name: string } | null; rating: number | null }
>

/** POST /widget/session. The document does not mark conversation nullable. */
export type Session = Override<
  Pick<Sent<WidgetSession>, 'visitor_token'>,
  { visitor: Visitor; site: Site; conversation: Conversation | null; uploads?: WidgetSession['uploads'] }
>

/** A page of messages. The widget also accepts a null items list. */
export type Page = Override<Sent<Schemas['MessagePage']>, { items: Message[] | null }>
