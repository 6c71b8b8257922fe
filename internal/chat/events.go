package chat

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/store"
)

// The types of system events. Each client renders them in its reader's
// language from the type and parameters.
const (
	EventGroupCreated         = "group_created"         // actor, name
	EventGroupRenamed         = "group_renamed"         // actor, name
	EventMemberJoined         = "member_joined"         // actor; via "invite_link", or "approval" by someone
	EventMembersAdded         = "members_added"         // actor added targets when creating the group
	EventMemberLeft           = "member_left"           // actor
	EventMemberRemoved        = "member_removed"        // actor removed target
	EventAdminAdded           = "admin_added"           // actor made target an admin
	EventAdminRemoved         = "admin_removed"         // actor removed target from the admins
	EventOwnerChanged         = "owner_changed"         // actor made target the owner
	EventMemberMuted          = "member_muted"          // actor muted target until
	EventMemberUnmuted        = "member_unmuted"        // actor unmuted target
	EventAnnouncementPosted   = "announcement_posted"   // actor, text
	EventAnnouncementRemoved  = "announcement_removed"  // actor
	EventMuteAllOn            = "mute_all_on"           // actor
	EventMuteAllOff           = "mute_all_off"          // actor
	EventConversationMoved    = "conversation_moved"    // no answer in time: moved to target
	EventConversationTaken    = "conversation_taken"    // actor took over from target
	EventTransferredToAgent   = "transferred_to_agent"  // actor transferred to target
	EventTransferredToQueue   = "transferred_to_queue"  // actor transferred to the queue name
	EventTransferredToTeam    = "transferred_to_team"   // actor transferred to the team name
	EventConversationResolved = "conversation_resolved" // actor
	EventConversationReopened = "conversation_reopened" // actor
	EventHandedToAgent        = "handed_to_agent"       // the bot (actor) or the visitor asked for a person
)

// Ways of joining a group, for EventMemberJoined.
const (
	ViaInviteLink = "invite_link"
	ViaApproval   = "approval"
)

// EventUser names a person in an event as they were called then.
type EventUser struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Event is what a system message says happened, stored with the message
// and shown on it as `event`.
type Event struct {
	Type    string      `json:"type"`
	Actor   *EventUser  `json:"actor,omitempty"`
	Target  *EventUser  `json:"target,omitempty"`
	Targets []EventUser `json:"targets,omitempty"` // several people, in the order they were named
	By      *EventUser  `json:"by,omitempty"`      // who approved a join
	Via     string      `json:"via,omitempty"`     // how someone joined
	Name    string      `json:"name,omitempty"`
	Text    string      `json:"text,omitempty"`
	Until   *time.Time  `json:"until,omitempty"`
}

func name(u *EventUser) string {
	if u == nil {
		return ""
	}
	return u.Name
}

// Render says the event in lang: the body stored with the message is its
// English rendering, for clients that know no events.
func (e Event) Render(lang string) string {
	actor, target := name(e.Actor), name(e.Target)
	switch e.Type {
	case EventGroupCreated:
		return i18n.T(lang, "system.group_created", "actor", actor, "name", e.Name)
	case EventGroupRenamed:
		return i18n.T(lang, "system.group_renamed", "actor", actor, "name", e.Name)
	case EventMemberJoined:
		switch e.Via {
		case ViaInviteLink:
			return i18n.T(lang, "system.member_joined.invite_link", "actor", actor)
		case ViaApproval:
			return i18n.T(lang, "system.member_joined.approval", "actor", actor, "by", name(e.By))
		}
		return i18n.T(lang, "system.member_joined", "actor", actor)
	case EventMembersAdded:
		names := make([]string, len(e.Targets))
		for i, u := range e.Targets {
			names[i] = u.Name
		}
		return i18n.T(lang, "system.members_added", "actor", actor, "targets", strings.Join(names, i18n.T(lang, "list.separator")))
	case EventMemberLeft:
		return i18n.T(lang, "system.member_left", "actor", actor)
	case EventMemberRemoved:
		return i18n.T(lang, "system.member_removed", "actor", actor, "target", target)
	case EventAdminAdded:
		return i18n.T(lang, "system.admin_added", "actor", actor, "target", target)
	case EventAdminRemoved:
		return i18n.T(lang, "system.admin_removed", "actor", actor, "target", target)
	case EventOwnerChanged:
		return i18n.T(lang, "system.owner_changed", "actor", actor, "target", target)
	case EventMemberMuted:
		until := ""
		if e.Until != nil {
			until = e.Until.UTC().Format("2006-01-02 15:04 MST")
		}
		return i18n.T(lang, "system.member_muted", "actor", actor, "target", target, "until", until)
	case EventMemberUnmuted:
		return i18n.T(lang, "system.member_unmuted", "actor", actor, "target", target)
	case EventAnnouncementPosted:
		return i18n.T(lang, "system.announcement_posted", "actor", actor, "text", e.Text)
	case EventAnnouncementRemoved:
		return i18n.T(lang, "system.announcement_removed", "actor", actor)
	case EventMuteAllOn:
		return i18n.T(lang, "system.mute_all_on", "actor", actor)
	case EventMuteAllOff:
		return i18n.T(lang, "system.mute_all_off", "actor", actor)
	case EventConversationMoved:
		return i18n.T(lang, "system.conversation_moved", "target", target)
	case EventConversationTaken:
		return i18n.T(lang, "system.conversation_taken", "actor", actor, "target", target)
	case EventTransferredToAgent:
		return i18n.T(lang, "system.transferred_to_agent", "actor", actor, "target", target)
	case EventTransferredToQueue:
		return i18n.T(lang, "system.transferred_to_queue", "actor", actor, "name", e.Name)
	case EventTransferredToTeam:
		return i18n.T(lang, "system.transferred_to_team", "actor", actor, "name", e.Name)
	case EventConversationResolved:
		return i18n.T(lang, "system.conversation_resolved", "actor", actor)
	case EventConversationReopened:
		return i18n.T(lang, "system.conversation_reopened", "actor", actor)
	case EventHandedToAgent:
		if e.Via == "visitor" {
			return i18n.T(lang, "system.handed_to_agent.visitor")
		}
		return i18n.T(lang, "system.handed_to_agent", "actor", actor)
	}
	return e.Type
}

// eventOf decodes a stored event; nil for messages without one.
func eventOf(m *store.Message) *Event {
	if m.Event == nil || *m.Event == "" {
		return nil
	}
	var e Event
	if err := json.Unmarshal([]byte(*m.Event), &e); err != nil {
		return nil
	}
	return &e
}
