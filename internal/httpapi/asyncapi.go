package httpapi

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// asyncAPIDoc describes the WebSocket's frames (AsyncAPI 3.0), served at
// /api/asyncapi.json as it is in the file. The test kit checks every frame
// that tests see against it, and .ci/asyncapi-check runs the AsyncAPI
// parser over the file.
//
//go:embed asyncapi.json
var asyncAPIDoc []byte

// AsyncAPIDocument returns the AsyncAPI document served at /api/asyncapi.json.
func AsyncAPIDocument() []byte { return asyncAPIDoc }

func (s *Server) asyncAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, asyncAPIDoc)
}
