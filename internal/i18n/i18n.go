// Package i18n holds Parley's server-side texts in every language it
// speaks (English and Simplified Chinese) and decides which language a
// request gets.
//
// Error messages are keyed by their English text, gettext-style, so call
// sites stay readable: errs.E(errs.NotFound, "no such group") is its own
// English and the key of its translations. Dynamic messages keep their
// format string as the key and their arguments apart (errs.Ef and
// friends), so a translation may reorder or reword around them. Texts
// that are not errors (e-mails, system events) use stable keys with named
// {placeholders}, present in every language's catalogue.
package i18n

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

// The languages Parley speaks; English is the default.
const (
	EN = "en"
	ZH = "zh-CN"
)

// Languages lists every supported language, the default first.
var Languages = []string{EN, ZH}

//go:embed locales/*.json
var files embed.FS

// Catalogue is one language's texts: Errors maps an English error message
// (or its format) to this language; Text maps a stable key to a template
// with named {placeholders}.
type Catalogue struct {
	Errors map[string]string `json:"errors"`
	Text   map[string]string `json:"text"`
}

var catalogues = load()

func load() map[string]*Catalogue {
	out := map[string]*Catalogue{}
	for _, lang := range Languages {
		b, err := files.ReadFile("locales/" + lang + ".json")
		if err != nil {
			panic(err)
		}
		c := &Catalogue{}
		if err := json.Unmarshal(b, c); err != nil {
			panic(fmt.Sprintf("i18n: locales/%s.json: %v", lang, err))
		}
		out[lang] = c
	}
	return out
}

// Catalogues returns the loaded catalogue of each language, for tests.
func Catalogues() map[string]*Catalogue { return catalogues }

// N marks a string as an error message or field reason to translate when
// it reaches a client through a path other than the errs constructors
// (gettext's N_). It returns s unchanged.
func N(s string) string { return s }

// Error renders an error message in lang: msgid is the English text (or
// format, when args are given). String arguments that are themselves in
// the catalogue are translated too. Unknown languages and missing
// translations fall back to English.
func Error(lang, msgid string, args ...any) string {
	format := msgid
	if c := catalogues[lang]; c != nil && lang != EN {
		if t, ok := c.Errors[msgid]; ok {
			format = t
		}
		for i, a := range args {
			if s, ok := a.(string); ok {
				if t, ok := c.Errors[s]; ok {
					if i == 0 {
						args = append([]any(nil), args...)
					}
					args[i] = t
				}
			}
		}
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// T renders the text of key in lang, filling {name} placeholders from
// params (name, value, name, value, …). Missing keys fall back to
// English, then to the key itself.
func T(lang, key string, params ...string) string {
	t, ok := "", false
	if c := catalogues[lang]; c != nil {
		t, ok = c.Text[key]
	}
	if !ok {
		if t, ok = catalogues[EN].Text[key]; !ok {
			return key
		}
	}
	if len(params) == 0 {
		return t
	}
	pairs := make([]string, 0, len(params))
	for i := 0; i+1 < len(params); i += 2 {
		pairs = append(pairs, "{"+params[i]+"}", params[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(t)
}

type ctxKey struct{}

// WithLanguage returns a context carrying the language of a request.
func WithLanguage(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, ctxKey{}, lang)
}

// FromContext returns the language WithLanguage stored, else English.
func FromContext(ctx context.Context) string {
	if l, ok := ctx.Value(ctxKey{}).(string); ok && l != "" {
		return l
	}
	return EN
}
