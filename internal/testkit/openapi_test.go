package testkit

import (
	"net/http"
	"strings"
	"testing"
)

func TestContractErrorRejectsWhatTheDocumentDoesNotAllow(t *testing.T) {
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=UTF-8"}}
	get := func(path string) *http.Request {
		req, err := http.NewRequest("GET", "http://127.0.0.1:1"+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	for _, tc := range []struct {
		name   string
		req    *http.Request
		status int
		header http.Header
		body   string
		want   string // "" when the answer is allowed
	}{
		{"documented", get("/api/v1/setup"), 200, jsonHeader, `{"needed":true}`, ""},
		{"undocumented status", get("/api/v1/setup"), 418, jsonHeader, `{"needed":true}`, "418"},
		{"wrong type", get("/api/v1/setup"), 200, jsonHeader, `{"needed":"yes"}`, "needed"},
		{"undeclared field", get("/api/v1/setup"), 200, jsonHeader, `{"needed":true,"extra":1}`, "extra"},
		{"wrong content type", get("/api/v1/setup"), 200, http.Header{"Content-Type": {"text/html"}}, `<p>`, "text/html"},
		{"missing required field", get("/api/v1/me"), 401, jsonHeader, `{"error":{"message":"sign in"}}`, "code"},
		{"null where not nullable", get("/api/v1/conversations/1/messages"), 200, jsonHeader, `{"items":null,"next_cursor":null}`, "items"},
		{"error details map", get("/api/v1/users/search"), 400, jsonHeader,
			`{"error":{"code":"invalid_input","message":"required","details":{"q":"required"}}}`, ""},
		{"error details with an indexed field", get("/api/v1/users/search"), 400, jsonHeader,
			`{"error":{"code":"invalid_input","message":"bad","details":{"allowed_origins[0]":"bad","prechat.email":"bad"}}}`, ""},
		{"unknown route answers 404", get("/api/v1/nothing"), 404, jsonHeader, `{"error":{"code":"not_found","message":"no such route"}}`, ""},
		{"unknown route answers 200", get("/api/v1/nothing"), 200, jsonHeader, `{}`, "not 401, 404 or 405"},
		{"pages are not checked", get("/console/"), 200, http.Header{"Content-Type": {"text/html"}}, `<html>`, ""},
	} {
		err := ContractError(tc.req, tc.status, tc.header, []byte(tc.body))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.want != "" && err == nil:
			t.Errorf("%s: allowed, want a refusal naming %q", tc.name, tc.want)
		case tc.want != "" && !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: %v, want it to name %q", tc.name, err, tc.want)
		}
	}
}
