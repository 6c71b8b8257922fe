package chat

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"time"
	_ "time/tzdata" // do-not-disturb zones load on hosts without zoneinfo

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// MaxMute bounds a mute for a time: longer is muting for ever.
const MaxMute = 366 * 24 * time.Hour

// MuteState is how one user hears a conversation. MutedUntil is nil when
// the mute is for ever (or there is none).
type MuteState struct {
	ConversationID int64      `json:"conversation_id"`
	Muted          bool       `json:"muted"`
	MutedUntil     *time.Time `json:"muted_until"`
}

// MuteFrame tells the user's sockets (other tabs and devices) that they
// muted or unmuted a conversation.
type MuteFrame struct {
	Type string `json:"type"` // conversation_mute
	MuteState
}

// DND is a user's do-not-disturb hours: from Start to End, local times of
// day ("HH:MM") in TimeZone; Start after End crosses midnight.
type DND struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	TimeZone string `json:"time_zone"`
}

// NotificationSettings are a user's settings for every conversation.
type NotificationSettings struct {
	DND *DND `json:"dnd"`
	// DNDActive tells whether the do-not-disturb hours hold now.
	DNDActive bool `json:"dnd_active"`
}

// NotificationSettingsFrame tells the user's sockets their settings
// changed.
type NotificationSettingsFrame struct {
	Type string `json:"type"` // notification_settings
	NotificationSettings
}

// SetMute mutes a conversation for the caller until a time (forever
// false) or for ever, or unmutes it (until nil, forever false). The
// caller must be able to read the conversation.
func (s *Service) SetMute(ctx context.Context, userID, conversationID int64, until *time.Time, forever bool) (*MuteState, error) {
	now := s.now()
	if forever && until != nil {
		return nil, errs.Field("muted_until", "give muted_until or muted_forever, not both")
	}
	if until != nil {
		if !until.After(now) {
			return nil, errs.Field("muted_until", "must be in the future")
		}
		if until.Sub(now) > MaxMute {
			return nil, errs.Field("muted_until", "must be within a year; mute for ever with muted_forever")
		}
	}
	if _, _, err := s.reader(ctx, s.store, conversationID, Actor{Kind: store.SenderUser, ID: userID}); err != nil {
		return nil, err
	}
	st := &MuteState{ConversationID: conversationID}
	var err error
	if until == nil && !forever {
		err = s.store.DeleteConversationMute(ctx, userID, conversationID)
	} else {
		m := &store.ConversationMute{UserID: userID, ConversationID: conversationID, UpdatedAt: now}
		if until != nil {
			u := until.UTC().Truncate(time.Second)
			m.MutedUntil = &u
			st.MutedUntil = &u
		}
		st.Muted = true
		err = s.store.PutConversationMute(ctx, m)
	}
	if err != nil {
		return nil, errs.Wrap(err, "save mute")
	}
	s.publish(ctx, []int64{userID}, MuteFrame{Type: "conversation_mute", MuteState: *st})
	return st, nil
}

// mutes returns the user's mutes in force now among conversations.
func (s *Service) mutes(ctx context.Context, userID int64, conversationIDs []int64) (map[int64]*store.ConversationMute, error) {
	all, err := s.store.ConversationMutes(ctx, userID, conversationIDs)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for id, m := range all {
		if m.MutedUntil != nil && !m.MutedUntil.After(now) {
			delete(all, id)
		}
	}
	return all, nil
}

// NotificationSettings returns the caller's settings.
func (s *Service) NotificationSettings(ctx context.Context, userID int64) (*NotificationSettings, error) {
	row, err := s.store.NotificationSettingOf(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return &NotificationSettings{}, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "load notification settings")
	}
	d := &DND{Start: row.DNDStart, End: row.DNDEnd, TimeZone: row.DNDTimeZone}
	return &NotificationSettings{DND: d, DNDActive: inDND(d, s.now())}, nil
}

// SetNotificationSettings replaces the caller's settings; a nil DND turns
// the quiet hours off.
func (s *Service) SetNotificationSettings(ctx context.Context, userID int64, d *DND) (*NotificationSettings, error) {
	var err error
	if d == nil {
		err = s.store.DeleteNotificationSetting(ctx, userID)
	} else {
		if err := checkDND(d); err != nil {
			return nil, err
		}
		err = s.store.PutNotificationSetting(ctx, &store.NotificationSetting{
			UserID: userID, DNDStart: d.Start, DNDEnd: d.End, DNDTimeZone: d.TimeZone, UpdatedAt: s.now(),
		})
	}
	if err != nil {
		return nil, errs.Wrap(err, "save notification settings")
	}
	out := &NotificationSettings{DND: d, DNDActive: d != nil && inDND(d, s.now())}
	s.publish(ctx, []int64{userID}, NotificationSettingsFrame{Type: "notification_settings", NotificationSettings: *out})
	return out, nil
}

// Quiet tells whether userID should hear nothing about conversationID now
// (no push, sound or digest): they muted it, or they are inside their
// do-not-disturb hours. Messages still arrive and count as unread.
func (s *Service) Quiet(ctx context.Context, userID, conversationID int64) (bool, error) {
	mutes, err := s.mutes(ctx, userID, []int64{conversationID})
	if err != nil {
		return false, errs.Wrap(err, "load mute")
	}
	if mutes[conversationID] != nil {
		return true, nil
	}
	set, err := s.NotificationSettings(ctx, userID)
	if err != nil {
		return false, err
	}
	return set.DNDActive, nil
}

var clockTime = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

func checkDND(d *DND) error {
	if !clockTime.MatchString(d.Start) {
		return errs.Field("dnd.start", "must be a time of day as HH:MM (00:00 to 23:59)")
	}
	if !clockTime.MatchString(d.End) {
		return errs.Field("dnd.end", "must be a time of day as HH:MM (00:00 to 23:59)")
	}
	if d.Start == d.End {
		return errs.Field("dnd.end", "must differ from start")
	}
	if d.TimeZone == "" || d.TimeZone == "Local" || len(d.TimeZone) > 64 {
		return errs.Field("dnd.time_zone", "must be an IANA time zone such as Asia/Shanghai")
	}
	if _, err := time.LoadLocation(d.TimeZone); err != nil {
		return errs.Fieldf("dnd.time_zone", "unknown time zone %q", d.TimeZone)
	}
	return nil
}

// inDND tells whether now falls inside d, in d's zone: start included,
// end excluded; start after end spans midnight.
func inDND(d *DND, now time.Time) bool {
	loc, err := time.LoadLocation(d.TimeZone)
	if err != nil {
		return false
	}
	local := now.In(loc)
	m := local.Hour()*60 + local.Minute()
	start, end := minutes(d.Start), minutes(d.End)
	if start < end {
		return m >= start && m < end
	}
	return m >= start || m < end
}

func minutes(hhmm string) int {
	h, _ := strconv.Atoi(hhmm[:2])
	m, _ := strconv.Atoi(hhmm[3:])
	return h*60 + m
}
