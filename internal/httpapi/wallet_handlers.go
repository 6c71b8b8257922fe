package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/wallet"
)

// walletRoutes registers the wallet, red packets and the admin credit.
func (s *Server) walletRoutes(user *echo.Group) {
	user.GET("/wallet", s.getWallet)
	user.POST("/conversations/:id/red-packets", s.sendRedPacket, s.requireVerified)
	user.POST("/red-packets/:id/grab", s.grabRedPacket)
	user.GET("/red-packets/:id", s.getRedPacket)
	user.POST("/admin/wallets/:user_id/credit", s.adminCreditWallet, requireAdmin)
}

type walletResponse struct {
	*wallet.Wallet
	NextCursor any `json:"next_cursor"`
}

func (s *Server) getWallet(c echo.Context) error {
	before, n, err := pageParams(c)
	if err != nil {
		return err
	}
	w, err := s.deps.Wallet.Wallet(c.Request().Context(), identity(c).ID, before, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, walletResponse{Wallet: w, NextCursor: cursorOrNil(w.NextCursor)})
}

type sendRedPacketRequest struct {
	TotalCents  int64  `json:"total_cents"`
	Count       int    `json:"count"`
	Kind        string `json:"kind"`
	Greeting    string `json:"greeting"`
	ClientMsgID string `json:"client_msg_id"`
}

func (s *Server) sendRedPacket(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req sendRedPacketRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	sent, err := s.deps.Wallet.Send(c.Request().Context(), identity(c).ID, wallet.SendInput{
		ConversationID: id, TotalCents: req.TotalCents, Count: req.Count, Kind: req.Kind,
		Greeting: req.Greeting, ClientMsgID: req.ClientMsgID,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, sent)
}

func (s *Server) grabRedPacket(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	g, err := s.deps.Wallet.Grab(c.Request().Context(), identity(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}

func (s *Server) getRedPacket(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.deps.Wallet.Details(c.Request().Context(), identity(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

type creditRequest struct {
	AmountCents int64  `json:"amount_cents"`
	Note        string `json:"note"`
}

func (s *Server) adminCreditWallet(c echo.Context) error {
	userID, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	var req creditRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	res, err := s.deps.Wallet.Credit(c.Request().Context(), identity(c).ID, userID, req.AmountCents, req.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}
