package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/paths"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/parley-chat/parley/internal/httpapi"
)

// contract is the served OpenAPI document, compiled once per test process.
type contract struct {
	model *v3.Document
	opts  *config.ValidationOptions
	check validator.Validator
	// loose skips strict mode, for GET /api/openapi.json and
	// /api/asyncapi.json: a document's own keys (paths, schema names)
	// cannot all be declared in the OpenAPI document.
	loose validator.Validator
}

var loadContract = sync.OnceValues(func() (*contract, error) {
	doc, err := libopenapi.NewDocument(httpapi.OpenAPIDocument())
	if err != nil {
		return nil, fmt.Errorf("parse the OpenAPI document: %w", err)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("build the OpenAPI model: %w", err)
	}
	// Strict mode: a response field the document does not declare is an
	// error (but see freeForm).
	opts := []config.Option{config.WithStrictMode()}
	return &contract{
		model: &m.Model,
		opts:  config.NewValidationOptions(opts...),
		check: validator.NewValidatorFromV3Model(&m.Model, opts...),
		loose: validator.NewValidatorFromV3Model(&m.Model),
	}, nil
})

// freeForm matches the places whose keys are data, not fields: the
// validator's strict mode reports the keys of such maps
// (additionalProperties) too, and its ignore patterns do not match keys
// such as "allowed_origins[0]".
var freeForm = regexp.MustCompile(`^\$\.body\.(` +
	`error\.details` + // Error: field name → problem
	`|checks` + // GET /readyz: dependency → state
	`|items\[\d+\]\.detail` + // AuditEntry.detail: facts by action
	`|items\[\d+\]\.payload\.data` + // WebhookDelivery: the event's facts
	`|channels` + // Pusher HTTP API: channel name → counts
	`|(items\[\d+\]\.)?attributes` + // Contact: attribute key → value
	`|(items\[\d+\]\.)?attribute_sources` + // Contact: attribute key → who set it
	`)[.\[]`)

var undeclaredAt = regexp.MustCompile(`at '(.*)' is not declared in schema$`)

// inFreeForm reports whether e is strict mode's complaint about a key of
// a free-form map.
func inFreeForm(e *verrors.ValidationError) bool {
	if e.ValidationType != verrors.StrictValidationType || e.ValidationSubType != verrors.StrictSubTypeProperty {
		return false
	}
	m := undeclaredAt.FindStringSubmatch(e.Message)
	return m != nil && freeForm.MatchString(m[1])
}

// documented reports whether the document describes path: the API, the
// WebSocket, the probes and signed media. Pages and static files are not.
func documented(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/media/") || strings.HasPrefix(path, "/apps/") ||
		path == "/ws" || path == "/healthz" || path == "/readyz" || path == "/metrics"
}

// CheckResponse fails the test unless the answer to req (status, header
// and body, already read) is one the OpenAPI document describes for that
// operation: a documented status, a documented content type and a body
// matching the schema. Answers outside the documented paths are not checked;
// an operation the document does not know must answer 401, 404 or 405 with
// an error body.
func CheckResponse(tb testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	tb.Helper()
	if err := ContractError(req, status, header, body); err != nil {
		tb.Fatal(err)
	}
}

// ContractError is CheckResponse without a test, for goroutines: nil when
// the answer is one the document allows.
func ContractError(req *http.Request, status int, header http.Header, body []byte) error {
	if msg := contractViolation(req, status, header, body); msg != "" {
		return fmt.Errorf("%s %s answered %d, which the OpenAPI document does not allow: %s\nbody: %.600s",
			req.Method, req.URL.RequestURI(), status, msg, body)
	}
	return nil
}

func contractViolation(req *http.Request, status int, header http.Header, body []byte) string {
	if !documented(req.URL.Path) {
		return ""
	}
	c, err := loadContract()
	if err != nil {
		return err.Error()
	}
	item, _, _ := paths.FindPath(req, c.model, c.opts)
	var op *v3.Operation
	if item != nil {
		op = helpers.ExtractOperation(req, item)
	}
	if op == nil {
		switch status {
		case http.StatusUnauthorized, http.StatusNotFound, http.StatusMethodNotAllowed:
		default:
			return "no such operation in the document, yet the answer is not 401, 404 or 405"
		}
		return errorBodyViolation(header, body)
	}
	resp := &http.Response{
		StatusCode: status, Header: header, Request: req,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
	}
	check := c.check
	if req.URL.Path == "/api/openapi.json" || req.URL.Path == "/api/asyncapi.json" {
		check = c.loose
	}
	if ok, errs := check.ValidateHttpResponse(req, resp); !ok {
		var reasons []string
		for _, e := range errs {
			if inFreeForm(e) {
				continue
			}
			r := e.Message
			if e.Reason != "" && e.Reason != e.Message {
				r += ": " + e.Reason
			}
			for _, f := range e.SchemaValidationErrors {
				r += "; " + f.Error()
			}
			reasons = append(reasons, r)
		}
		if len(reasons) > 0 {
			return strings.Join(reasons, " | ")
		}
	}
	// A response the document declares without content must have none.
	if r := op.Responses.FindResponseByCode(status); r != nil && orderedmap.Len(r.Content) == 0 && len(body) > 0 && req.Method != http.MethodHead {
		return "the document declares no body for this status, yet one was sent"
	}
	return ""
}

func errorBodyViolation(header http.Header, body []byte) string {
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Sprintf("an error answer with content type %q, want application/json", ct)
	}
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
		return "an error answer without {\"error\":{\"code\",\"message\"}}"
	}
	return ""
}
