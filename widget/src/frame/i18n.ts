// The widget's words in English and Simplified Chinese.

const en = {
  title: 'Chat with us',
  close: 'Close chat',
  online: 'We usually reply in a few minutes',
  away: 'We are away',
  placeholder: 'Write a message…',
  send: 'Send',
  sending: 'Sending…',
  failed: 'Not sent. Tap to retry.',
  read: 'Read',
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
}

export type Strings = typeof en

const zh: Strings = {
  title: '在线客服',
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
}

/** Simplified Chinese for any zh locale, English otherwise. */
export function pickStrings(locale: string | undefined): { lang: string; t: Strings } {
  return /^zh/i.test(locale || '') ? { lang: 'zh-CN', t: zh } : { lang: 'en', t: en }
}

/** Fills {name}-style holes. */
export function fmt(s: string, vars: Record<string, string | number>): string {
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m))
}
