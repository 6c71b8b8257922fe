// The widget's words in English and Simplified Chinese.

const en = {
  title: 'Chat with us',
  conversations: 'Your conversations',
  newConversation: 'New conversation',
  convOpen: 'Open',
  convResolved: 'Resolved',
  convEmpty: 'No messages yet',
  convNumber: 'Conversation #{n}',
  close: 'Close chat',
  online: 'We usually reply in a few minutes',
  away: 'We are away',
  placeholder: 'Write a message…',
  send: 'Send',
  sending: 'Sending…',
  failed: 'Not sent. Tap to retry.',
  read: 'Seen',
  typing: '{name} is typing…',
  queue: 'You are number {n} in the queue.',
  queueNext: 'You are next in the queue.',
  waiting: 'Waiting for an agent…',
  joined: '{name} joined the chat',
  offline: 'Connection lost. Reconnecting…',
  emailLabel: 'Your e-mail',
  emailSave: 'Notify me',
  emailSaved: 'Thanks! We will reply to {email}.',
  emailBad: 'Please enter a valid e-mail address.',
  start: 'Start chat',
  required: 'This field is required.',
  badEmail: 'Please enter a valid e-mail address.',
  rateTitle: 'How was this chat?',
  rateStar: 'Rate {n} of 5',
  rateComment: 'Anything to add? (optional)',
  rateSend: 'Send rating',
  rated: 'Thanks for your feedback!',
  earlier: 'Show earlier messages',
  error: 'The chat is not available right now.',
  notEmbedded: 'This chat runs inside a website.',
  you: 'You',
  log: 'Messages',
  attach: 'Attach a picture or file',
  uploading: 'Uploading… {n}%',
  remove: 'Remove',
  openImage: 'Open image {name}',
  closeImage: 'Close image',
  download: 'Download {name} ({size})',
  upTooBig: 'This file is too large to send.',
  upTooBigMax: '{name} is too large to send: files may be at most {max}.',
  upQuota: 'You have used all the space for attachments in this chat.',
  upBudget: 'This site takes no more attachments today, or none this large. Try a smaller file, or try again tomorrow.',
  upType: 'This file is not a picture we can show. Try a JPEG, PNG, GIF or WebP image.',
  upBroken: 'This file could not be read. It may be damaged.',
  upFailed: 'The file could not be sent.',
  sysMoved: 'No answer in time: the conversation moved to {target}',
  sysTaken: '{actor} took over the conversation from {target}',
  sysToAgent: '{actor} transferred the conversation to {target}',
  sysToQueue: '{actor} transferred the conversation to the {name} queue',
  sysToTeam: '{actor} transferred the conversation to the {name} team',
  sysResolved: '{actor} resolved the conversation',
  sysReopened: '{actor} reopened the conversation',
  sysHanded: '{actor} handed the conversation to an agent',
  sysHandedVisitor: 'You asked for a person: an agent will answer',
  talkToPerson: 'Talk to a person',
}

export type Strings = typeof en

const zh: Strings = {
  title: '在线客服',
  conversations: '您的对话',
  newConversation: '新对话',
  convOpen: '进行中',
  convResolved: '已解决',
  convEmpty: '还没有消息',
  convNumber: '对话 #{n}',
  close: '关闭聊天',
  online: '我们通常会在几分钟内回复',
  away: '我们暂时不在线',
  placeholder: '输入消息…',
  send: '发送',
  sending: '发送中…',
  failed: '发送失败，点击重试。',
  read: '已读',
  typing: '{name} 正在输入…',
  queue: '您在队列中排第 {n} 位。',
  queueNext: '下一位就是您。',
  waiting: '正在等待客服…',
  joined: '{name} 加入了对话',
  offline: '连接已断开，正在重连…',
  emailLabel: '您的邮箱',
  emailSave: '通知我',
  emailSaved: '谢谢！我们会回复到 {email}。',
  emailBad: '请输入有效的邮箱地址。',
  start: '开始聊天',
  required: '此项必填。',
  badEmail: '请输入有效的邮箱地址。',
  rateTitle: '您对本次服务满意吗？',
  rateStar: '评分 {n} / 5',
  rateComment: '还有什么想说的？（可选）',
  rateSend: '提交评价',
  rated: '感谢您的反馈！',
  earlier: '查看更早的消息',
  error: '聊天暂时不可用。',
  notEmbedded: '此聊天窗口需嵌入网站使用。',
  you: '我',
  log: '消息',
  attach: '发送图片或文件',
  uploading: '上传中… {n}%',
  remove: '移除',
  openImage: '查看图片 {name}',
  closeImage: '关闭图片',
  download: '下载 {name}（{size}）',
  upTooBig: '文件太大，无法发送。',
  upTooBigMax: '{name} 太大，无法发送：文件最大 {max}。',
  upQuota: '本次对话的附件空间已用完。',
  upBudget: '本网站今天不再接收附件，或不接收这么大的附件。请尝试较小的文件，或明天再试。',
  upType: '此文件不是可显示的图片，请使用 JPEG、PNG、GIF 或 WebP 图片。',
  upBroken: '无法读取此文件，文件可能已损坏。',
  upFailed: '文件发送失败。',
  sysMoved: '未能及时回复：对话已转给 {target}',
  sysTaken: '{actor} 从 {target} 手中接管了对话',
  sysToAgent: '{actor} 将对话转给了 {target}',
  sysToQueue: '{actor} 将对话转到了 {name} 队列',
  sysToTeam: '{actor} 将对话转给了 {name} 团队',
  sysResolved: '{actor} 将对话标为已解决',
  sysReopened: '{actor} 重新打开了对话',
  sysHanded: '{actor} 已将对话转交人工客服',
  sysHandedVisitor: '你已要求人工服务：客服将为你解答',
  talkToPerson: '转人工客服',
}

/** Simplified Chinese for any zh locale, English otherwise. */
export function pickStrings(locale: string | undefined): { lang: string; t: Strings } {
  return /^zh/i.test(locale || '') ? { lang: 'zh-CN', t: zh } : { lang: 'en', t: en }
}

/** Fills {name}-style holes. */
export function fmt(s: string, vars: Record<string, string | number>): string {
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m))
}

/** The widget's words for the support events a visitor sees. */
const SYSTEM_EVENTS: Record<string, keyof Strings> = {
  conversation_moved: 'sysMoved',
  conversation_taken: 'sysTaken',
  transferred_to_agent: 'sysToAgent',
  transferred_to_queue: 'sysToQueue',
  transferred_to_team: 'sysToTeam',
  conversation_resolved: 'sysResolved',
  conversation_reopened: 'sysReopened',
  handed_to_agent: 'sysHanded',
}

/** A system event as the server sends it on a message. */
export interface SystemEvent {
  type: string
  actor?: { name: string }
  target?: { name: string }
  name?: string
  via?: string
}

/**
 * What a system message says in the visitor's language: its event when the
 * widget knows the type, else the text the server stored.
 */
export function systemText(t: Strings, body: string, event?: SystemEvent | null): string {
  let key = event ? SYSTEM_EVENTS[event.type] : undefined
  if (!event || !key) return body
  if (event.type === 'handed_to_agent' && event.via === 'visitor') key = 'sysHandedVisitor'
  return fmt(t[key], { actor: event.actor?.name ?? '', target: event.target?.name ?? '', name: event.name ?? '' })
}
