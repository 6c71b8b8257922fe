package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/media"
)

// multipartOverhead is what an upload's body may hold besides the file:
// boundaries, part headers and the optional kind field.
const multipartOverhead = 64 << 10

// mediaRoutes registers uploads and media serving. The upload route sits
// outside the API group's JSON body limit: it streams and has its own cap.
// Users and widget visitors both upload; visitors read uploads back under
// /widget, beside the rest of their API.
func (s *Server) mediaRoutes(user *echo.Group) {
	s.e.POST("/api/v1/uploads", s.upload, s.requireUserOrVisitor, s.requireVerified)
	user.GET("/uploads/:id", s.getUpload)
	s.e.GET("/api/v1/widget/uploads/:id", s.getUpload, s.requireVisitor)
	s.e.GET("/media/avatars/:id", s.serveAvatar)
	s.e.HEAD("/media/avatars/:id", s.serveAvatar)
	for _, p := range []string{"/media/:id", "/media/:id/thumb"} {
		s.e.GET(p, s.serveMedia)
		s.e.HEAD(p, s.serveMedia)
	}
}

// upload streams the multipart part "file" to the media service; an
// optional "kind" field before it names the kind the client wants.
func (s *Server) upload(c echo.Context) error {
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, s.deps.Media.MaxUploadBytes()+multipartOverhead)
	mr, err := req.MultipartReader()
	if err != nil {
		return errs.R(errs.Invalid, "invalid_input", "send multipart/form-data with a part named file")
	}
	kind := ""
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return errs.Field("file", "required")
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return &errs.Error{Code: errs.TooLarge, Reason: "too_large", Message: "the upload is too large"}
			}
			if errors.Is(err, errSlowBody) {
				return err
			}
			return errs.R(errs.Invalid, "invalid_input", "the multipart body is malformed")
		}
		switch part.FormName() {
		case "kind":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
			kind = strings.TrimSpace(string(b))
		case "file":
			a, err := s.deps.Media.UploadAs(req.Context(), uploader(c), media.UploadInput{Name: part.FileName(), Kind: kind, Size: req.ContentLength}, part)
			if err != nil {
				return err
			}
			return c.JSON(http.StatusCreated, a)
		}
		part.Close()
	}
}

func (s *Server) getUpload(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.deps.Media.GetAs(c.Request().Context(), uploader(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

// uploader is the signed-in user or visitor as an owner of uploads.
func uploader(c echo.Context) media.Uploader {
	id := identity(c)
	return media.Uploader{Kind: id.Kind, ID: id.ID}
}

// serveMedia serves an upload or its thumbnail by signed URL, with Range
// support, a long private cache and a download disposition for anything
// that is not an image, audio or video.
func (s *Server) serveMedia(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.R(errs.NotFound, "not_found", "no such media")
	}
	exp, err := strconv.ParseInt(c.QueryParam("exp"), 10, 64)
	if err != nil {
		return errs.R(errs.Forbidden, "bad_signature", "this media link is not valid")
	}
	thumb := strings.HasSuffix(c.Path(), "/thumb")
	content, err := s.deps.Media.Open(c.Request().Context(), id, thumb, exp, c.QueryParam("sig"))
	if err != nil {
		return err
	}
	return sendContent(c, content, "private")
}

// serveAvatar serves an upload that is someone's avatar, unsigned.
func (s *Server) serveAvatar(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.R(errs.NotFound, "not_found", "no such avatar")
	}
	content, err := s.deps.Media.OpenAvatar(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return sendContent(c, content, "public")
}

// sendContent writes media with the headers that keep it from ever acting
// as a page; cache is "private" or "public".
func sendContent(c echo.Context, content *media.Content, cache string) error {
	defer content.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, content.Mime)
	h.Set("Cache-Control", fmt.Sprintf("%s, max-age=%d, immutable", cache, int(content.MaxAge.Seconds())))
	h.Set("ETag", content.ETag)
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-site")
	disposition := "inline"
	if !content.Inline {
		disposition = "attachment"
		h.Set(echo.HeaderContentType, downloadType(content.Mime))
	}
	if cd := mime.FormatMediaType(disposition, map[string]string{"filename": content.Name}); cd != "" {
		h.Set(echo.HeaderContentDisposition, cd)
	} else {
		h.Set(echo.HeaderContentDisposition, disposition)
	}
	http.ServeContent(c.Response(), c.Request(), "", content.ModTime, content)
	return nil
}

// downloadType keeps the stored type of a download unless a browser could
// take it for a page.
func downloadType(t string) string {
	if strings.Contains(t, "html") || strings.Contains(t, "svg") || strings.Contains(t, "xml") || strings.Contains(t, "javascript") {
		return "application/octet-stream"
	}
	return t
}
