package httpapi

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"
)

// The OpenAPI document is kept in one file per surface: base.json holds
// info, components and the spine's paths; every other file adds "paths"
// and may add "components.schemas". TestOpenAPIDocumentMatchesTheRoutes
// keeps the merged document and the routes in step.
//
//go:embed openapi/*.json
var openAPIFiles embed.FS

var openAPIDoc = mustMergeOpenAPI()

// OpenAPIDocument returns the OpenAPI document served at /api/openapi.json.
func OpenAPIDocument() []byte { return openAPIDoc }

func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDoc)
}

func mustMergeOpenAPI() []byte {
	read := func(name string) map[string]any {
		b, err := openAPIFiles.ReadFile(name)
		if err != nil {
			panic(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("%s: %v", name, err))
		}
		return m
	}
	doc := read("openapi/base.json")
	names, _ := fs.Glob(openAPIFiles, "openapi/*.json")
	sort.Strings(names)
	for _, n := range names {
		if n == "openapi/base.json" {
			continue
		}
		part := read(n)
		merge(doc, "paths", part["paths"], n)
		if comps, ok := part["components"].(map[string]any); ok {
			merge(doc["components"].(map[string]any), "schemas", comps["schemas"], n)
		}
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		panic(err)
	}
	return b
}

// merge adds the entries of src to dst[key], refusing duplicates.
func merge(dst map[string]any, key string, src any, file string) {
	add, ok := src.(map[string]any)
	if !ok {
		return
	}
	into, _ := dst[key].(map[string]any)
	if into == nil {
		into = map[string]any{}
		dst[key] = into
	}
	for k, v := range add {
		if _, dup := into[k]; dup {
			panic(fmt.Sprintf("%s: %s %q is defined twice", file, key, k))
		}
		into[k] = v
	}
}
