package pusher

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Signed is the answer of Parley's built-in auth endpoints: what a
// client passes on to pusher:subscribe or pusher:signin.
type Signed struct {
	Auth        string `json:"auth"`
	ChannelData string `json:"channel_data,omitempty"`
	UserData    string `json:"user_data,omitempty"`
}

var errChannelRefused = errs.R(errs.Forbidden, "channel_not_allowed", "you may not subscribe to this channel")

// caller is who asks the built-in auth endpoint to sign, and for which app.
type caller struct {
	app    *App
	userID string // "user-42" or "visitor-7"
	name   string
	// site staff (admins and the site's agents) or a visitor of the site
	staff     bool
	visitorID int64
	parleyID  int64
}

// resolve finds the app a caller signs for and who they are in it. A
// visitor signs for their site's app; a Parley user names the app by its
// key and must be an admin or an agent of its site.
func (s *Service) resolve(ctx context.Context, actor auth.Identity, appKey, socketID string) (*caller, error) {
	if !validSocketID(socketID) {
		return nil, errs.Field("socket_id", "a socket id from pusher:connection_established, such as 123.456")
	}
	if actor.Kind == store.SenderVisitor {
		v, err := s.store.VisitorByID(ctx, actor.ID)
		if err != nil {
			return nil, errs.Wrap(err, "load visitor")
		}
		app, err := s.AppOfSite(ctx, v.SiteID)
		if err != nil {
			return nil, err
		}
		if appKey != "" && appKey != app.Key {
			return nil, errs.R(errs.Forbidden, "forbidden", "a visitor signs only for their site's app")
		}
		return &caller{app: app, userID: "visitor-" + strconv.FormatInt(v.ID, 10), name: v.Name, visitorID: v.ID}, nil
	}
	if appKey == "" {
		return nil, errs.Field("app_key", "name the app (its key) to sign for")
	}
	app, err := s.AppByKey(ctx, appKey)
	if err != nil {
		return nil, errs.Wrap(err, "load pusher app")
	}
	if app == nil {
		return nil, errs.R(errs.NotFound, "app_not_found", "no app has this key")
	}
	staff := actor.IsAdmin()
	if !staff {
		if staff, err = s.store.IsSiteAgent(ctx, app.SiteID, actor.ID); err != nil {
			return nil, errs.Wrap(err, "check agent")
		}
	}
	if !staff {
		return nil, errs.R(errs.Forbidden, "forbidden", "only admins and the site's agents sign for its app")
	}
	return &caller{app: app, userID: "user-" + strconv.FormatInt(actor.ID, 10), name: actor.Name, staff: true, parleyID: actor.ID}, nil
}

// AuthorizeChannel signs a subscription for a Parley user or a widget
// visitor. The rule:
//   - a visitor: private-visitor-{their id} and presence-visitor-{their id}
//     of their site's app;
//   - an admin or an agent of the app's site: private-user-{their id},
//     private-site-{site id}, presence-site-{site id}, and the
//     private-visitor-/presence-visitor- channels of the site's visitors.
//
// Nothing else is signed here (host backends sign their own channels with
// the app secret).
func (s *Service) AuthorizeChannel(ctx context.Context, actor auth.Identity, appKey, socketID, channel string) (*Signed, error) {
	if !ValidChannel(channel) {
		return nil, errs.Field("channel_name", "1 to 200 characters of A-Z a-z 0-9 _ - = @ , . ;")
	}
	kind := KindOf(channel)
	if kind != Private && kind != Presence {
		return nil, errs.Field("channel_name", "only private- and presence- channels are signed here")
	}
	c, err := s.resolve(ctx, actor, appKey, socketID)
	if err != nil {
		return nil, err
	}
	ok, err := s.mayJoin(ctx, c, channel)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errChannelRefused
	}
	out := &Signed{}
	if kind == Presence {
		b, _ := json.Marshal(map[string]any{"user_id": c.userID, "user_info": map[string]string{"name": c.name}})
		out.ChannelData = string(b)
	}
	out.Auth = ChannelAuth(c.app.Key, c.app.Secret, socketID, channel, out.ChannelData)
	return out, nil
}

func (s *Service) mayJoin(ctx context.Context, c *caller, channel string) (bool, error) {
	name := strings.TrimPrefix(strings.TrimPrefix(channel, "private-"), "presence-")
	site := strconv.FormatInt(c.app.SiteID, 10)
	if vid, ok := strings.CutPrefix(name, "visitor-"); ok {
		id, err := strconv.ParseInt(vid, 10, 64)
		if err != nil || id <= 0 {
			return false, nil
		}
		if !c.staff {
			return id == c.visitorID, nil
		}
		v, err := s.store.VisitorByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, errs.Wrap(err, "load visitor")
		}
		return v.SiteID == c.app.SiteID, nil
	}
	if !c.staff {
		return false, nil
	}
	switch {
	case name == "site-"+site:
		return true, nil
	case strings.HasPrefix(channel, "private-") && name == "user-"+strconv.FormatInt(c.parleyID, 10):
		return true, nil
	}
	return false, nil
}

// AuthorizeUser signs pusher:signin for a Parley user ("user-{id}") or a
// widget visitor ("visitor-{id}").
func (s *Service) AuthorizeUser(ctx context.Context, actor auth.Identity, appKey, socketID string) (*Signed, error) {
	c, err := s.resolve(ctx, actor, appKey, socketID)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(map[string]any{"id": c.userID, "user_info": map[string]string{"name": c.name}})
	return &Signed{Auth: UserAuth(c.app.Key, c.app.Secret, socketID, string(b)), UserData: string(b)}, nil
}
