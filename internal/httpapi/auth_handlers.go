package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/auth"
)

type newUserRequest struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Nickname string `json:"nickname"`
	// Language is the account's language setting; absent, the account
	// follows the browser (and its first mail is in the request's).
	Language *string `json:"language"`
}

func (r newUserRequest) toNewUser() auth.NewUser {
	return auth.NewUser{Username: r.Username, Email: r.Email, Password: r.Password, Nickname: r.Nickname, Language: r.Language}
}

func (s *Server) getSetup(c echo.Context) error {
	needed, err := s.deps.Auth.SetupNeeded(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"needed": needed})
}

func (s *Server) postSetup(c echo.Context) error {
	var req newUserRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	sess, err := s.deps.Auth.Setup(c.Request().Context(), req.toNewUser())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, sess)
}

func (s *Server) register(c echo.Context) error {
	var req newUserRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	u, err := s.deps.Auth.Register(c.Request().Context(), req.toNewUser(), c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"user": u})
}

type tokenRequest struct {
	Token string `json:"token"`
}

func (s *Server) verifyEmail(c echo.Context) error {
	var req tokenRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	u, err := s.deps.Auth.VerifyEmail(c.Request().Context(), req.Token)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"user": u})
}

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (s *Server) login(c echo.Context) error {
	var req loginRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	sess, err := s.deps.Auth.Login(c.Request().Context(), req.Login, req.Password, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sess)
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) refresh(c echo.Context) error {
	var req refreshRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	sess, err := s.deps.Auth.Refresh(c.Request().Context(), req.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sess)
}

func (s *Server) logout(c echo.Context) error {
	var req refreshRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := s.deps.Auth.Logout(c.Request().Context(), req.RefreshToken); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) logoutAll(c echo.Context) error {
	if err := s.deps.Auth.LogoutEverywhere(c.Request().Context(), identity(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) getMe(c echo.Context) error {
	u, err := s.deps.Auth.Me(c.Request().Context(), identity(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) patchMe(c echo.Context) error {
	var req auth.MePatch
	if err := bind(c, &req); err != nil {
		return err
	}
	u, err := s.deps.Auth.UpdateMe(c.Request().Context(), identity(c), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

type resetRequest struct {
	Email string `json:"email"`
}

// requestReset always answers 202: whether the address has an account is
// nobody's business.
func (s *Server) requestReset(c echo.Context) error {
	var req resetRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := s.deps.Auth.RequestPasswordReset(c.Request().Context(), req.Email, c.RealIP()); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "if an account has this address, a reset link is on its way"})
}

type resetConfirmRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (s *Server) confirmReset(c echo.Context) error {
	var req resetConfirmRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := s.deps.Auth.ResetPassword(c.Request().Context(), req.Token, req.Password); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *Server) changePassword(c echo.Context) error {
	var req changePasswordRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	sess, err := s.deps.Auth.ChangePassword(c.Request().Context(), identity(c), req.CurrentPassword, req.NewPassword)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sess)
}

// resendVerification mails the signed-in user a new verification link.
func (s *Server) resendVerification(c echo.Context) error {
	u, err := s.deps.Auth.ResendVerification(c.Request().Context(), identity(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"email": u.Email})
}
