// Package text decides what Parley accepts as text: valid UTF-8 without
// NUL characters. PostgreSQL refuses both in text columns, and SQLite
// would store what no client can render, so every text input is checked
// at the edge (JSON bodies, query and path parameters, WebSocket frames)
// and again where services take text from any path.
package text

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
)

// The problems Problem reports, as shown to clients.
var (
	NotUTF8 = i18n.N("must be valid UTF-8 text")
	HasNUL  = i18n.N("must not contain NUL (\\u0000) characters")
)

// Problem says why s is not acceptable text, or "" when it is.
func Problem(s string) string {
	if !utf8.ValidString(s) {
		return NotUTF8
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return HasNUL
		}
	}
	return ""
}

// Check returns a 400 invalid_input naming field when s is not acceptable
// text, else nil.
func Check(field, s string) error {
	if p := Problem(s); p != "" {
		return errs.Field(field, p)
	}
	return nil
}

// Fields checks several fields at once (name, value, name, value, …) and
// returns the error for the first bad one.
func Fields(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := Check(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// maxDepth bounds how deeply BadJSON follows nested values; deeper
// documents are refused rather than walked (no request body needs it).
const maxDepth = 32

var nulEscape = []byte(`\u0000`)

// BadJSON finds the first string in a JSON document, key or value, that
// would decode to invalid UTF-8 or contain NUL (Go's decoder quietly turns
// invalid bytes into U+FFFD, so this reads the raw bytes). It returns the
// string's path ("body", "prechat[0].label") and the problem, or "", ""
// when every string is good. Syntax it cannot follow is left to the
// decoder, which reports it.
func BadJSON(data []byte) (field, problem string) {
	if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 && !bytes.Contains(data, nulEscape) {
		return "", "" // the common case: nothing to find
	}
	s := scanner{data: data}
	field, problem, _ = s.value("", 0)
	return field, problem
}

type scanner struct {
	data []byte
	pos  int
}

// value scans the value at pos, named path. ok is false when the syntax
// is not followed any further.
func (s *scanner) value(path string, depth int) (field, problem string, ok bool) {
	s.space()
	if s.pos >= len(s.data) {
		return "", "", false
	}
	if depth > maxDepth {
		return orRoot(path), i18n.N("is nested too deeply"), false
	}
	switch s.data[s.pos] {
	case '{':
		return s.object(path, depth)
	case '[':
		return s.array(path, depth)
	case '"':
		raw, ok := s.str()
		if !ok {
			return "", "", false
		}
		if p := rawProblem(raw); p != "" {
			return orRoot(path), p, false
		}
		return "", "", true
	}
	for s.pos < len(s.data) { // a number, true, false or null
		switch s.data[s.pos] {
		case ',', ']', '}', ' ', '\t', '\r', '\n':
			return "", "", true
		}
		s.pos++
	}
	return "", "", true
}

func (s *scanner) object(path string, depth int) (field, problem string, ok bool) {
	s.pos++ // {
	for {
		s.space()
		if s.pos < len(s.data) && s.data[s.pos] == '}' {
			s.pos++
			return "", "", true
		}
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return "", "", false
		}
		raw, ok := s.str()
		if !ok {
			return "", "", false
		}
		key := keyName(raw)
		if p := rawProblem(raw); p != "" {
			return join(path, key), p, false
		}
		s.space()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return "", "", false
		}
		s.pos++
		if field, problem, ok := s.value(join(path, key), depth+1); !ok {
			return field, problem, false
		}
		s.space()
		if s.pos < len(s.data) && s.data[s.pos] == ',' {
			s.pos++
		}
	}
}

func (s *scanner) array(path string, depth int) (field, problem string, ok bool) {
	s.pos++ // [
	for i := 0; ; i++ {
		s.space()
		if s.pos < len(s.data) && s.data[s.pos] == ']' {
			s.pos++
			return "", "", true
		}
		if field, problem, ok := s.value(path+"["+strconv.Itoa(i)+"]", depth+1); !ok {
			return field, problem, false
		}
		s.space()
		if s.pos < len(s.data) && s.data[s.pos] == ',' {
			s.pos++
		} else if s.pos >= len(s.data) || s.data[s.pos] != ']' {
			return "", "", false
		}
	}
}

// str reads a string at pos and returns its raw content, escapes kept.
func (s *scanner) str() ([]byte, bool) {
	start := s.pos + 1
	for i := start; i < len(s.data); i++ {
		switch s.data[i] {
		case '\\':
			i++
		case '"':
			s.pos = i + 1
			return s.data[start:i], true
		}
	}
	return nil, false
}

func (s *scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// rawProblem checks a string's raw content: its bytes, and whether an
// escape decodes to NUL.
func rawProblem(raw []byte) string {
	if !utf8.Valid(raw) {
		return NotUTF8
	}
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case 0:
			return HasNUL
		case '\\':
			if bytes.HasPrefix(raw[i+1:], nulEscape[1:]) {
				return HasNUL
			}
			i++ // whatever is escaped is not an escape itself
		}
	}
	return ""
}

// keyName is a key as it can be shown: bad bytes become U+FFFD and NUL
// its escape, so that a bad key can still be named.
func keyName(raw []byte) string {
	k := bytes.ToValidUTF8(raw, []byte("\uFFFD"))
	return string(bytes.ReplaceAll(k, []byte{0}, nulEscape))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
