package social

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"

	qr "github.com/piglig/go-qr"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// AddLink is a user's add-me link: whoever opens it while signed in sees
// the user and can send them a friend request.
type AddLink struct {
	Code string `json:"code"`
	URL  string `json:"url"`
}

// QRSize is the width and height of the add-me QR code, in pixels.
const QRSize = 256

var errNoCode = errs.R(errs.NotFound, "code_not_found", "this add-me link is unknown or was revoked")

func newAddCode() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Service) addLink(code string) *AddLink {
	return &AddLink{Code: code, URL: strings.TrimRight(s.cfg.PublicURL, "/") + "/console/#/add/" + code}
}

// AddLink returns the caller's add-me link, making the code on first use.
func (s *Service) AddLink(ctx context.Context, userID int64) (*AddLink, error) {
	c, err := s.store.AddCodeOf(ctx, userID)
	if err == nil {
		return s.addLink(c.Code), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, errs.Wrap(err, "load add-me code")
	}
	c = &store.AddCode{UserID: userID, Code: newAddCode(), CreatedAt: s.now()}
	if err := s.store.CreateAddCode(ctx, c); errors.Is(err, store.ErrConflict) {
		// Another request of the same user made it first.
		if c, err = s.store.AddCodeOf(ctx, userID); err != nil {
			return nil, errs.Wrap(err, "load add-me code")
		}
	} else if err != nil {
		return nil, errs.Wrap(err, "create add-me code")
	}
	return s.addLink(c.Code), nil
}

// RevokeAddLink replaces the caller's code: the old link stops resolving.
func (s *Service) RevokeAddLink(ctx context.Context, userID int64) (*AddLink, error) {
	code := newAddCode()
	if err := s.store.ReplaceAddCode(ctx, userID, code, s.now()); err != nil {
		return nil, errs.Wrap(err, "replace add-me code")
	}
	return s.addLink(code), nil
}

// AddQR returns the caller's add-me link as a PNG QR code.
func (s *Service) AddQR(ctx context.Context, userID int64) ([]byte, error) {
	link, err := s.AddLink(ctx, userID)
	if err != nil {
		return nil, err
	}
	img, err := drawQR(link.URL)
	if err != nil {
		return nil, errs.Wrap(err, "draw QR code")
	}
	return img, nil
}

// drawQR draws text as a QR code (medium error correction) centred on a
// white QRSize×QRSize PNG, each module a whole number of pixels and a quiet
// zone of at least four modules around it.
func drawQR(text string) ([]byte, error) {
	code, err := qr.EncodeText(text, qr.Medium)
	if err != nil {
		return nil, err
	}
	const border = 4
	scale := max(1, QRSize/(code.Size()+2*border))
	sym, err := code.ToImage(qr.NewQrCodeImgConfig(scale, border))
	if err != nil {
		return nil, err
	}
	side := max(QRSize, sym.Bounds().Dx())
	canvas := image.NewGray(image.Rect(0, 0, side, side))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	at := image.Pt((side-sym.Bounds().Dx())/2, (side-sym.Bounds().Dy())/2)
	draw.Draw(canvas, sym.Bounds().Add(at), sym, sym.Bounds().Min, draw.Src)
	var out bytes.Buffer
	if err := png.Encode(&out, canvas); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// ResolveAddCode returns the owner of an add-me code. Unknown and revoked
// codes, and codes of users who blocked the caller, answer 404
// code_not_found.
func (s *Service) ResolveAddCode(ctx context.Context, userID int64, code string) (*auth.PublicUser, error) {
	if code == "" || len(code) > 64 {
		return nil, errNoCode
	}
	c, err := s.store.AddCodeByCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoCode
	}
	if err != nil {
		return nil, errs.Wrap(err, "resolve add-me code")
	}
	if blocked, err := s.store.HasBlocked(ctx, c.UserID, userID); err != nil {
		return nil, errs.Wrap(err, "resolve add-me code")
	} else if blocked {
		return nil, errNoCode
	}
	u, err := s.store.UserByID(ctx, c.UserID)
	if err != nil {
		return nil, errs.Wrap(err, "resolve add-me code")
	}
	v := auth.PublicView(u)
	return &v, nil
}
