package i18n

import (
	"golang.org/x/text/language"
)

// Normalize maps a language tag (a profile setting, a widget's locale, one
// entry of Accept-Language) to a supported language, or "" when Parley
// does not speak it. Chinese written in simplified characters (zh, zh-CN,
// zh-Hans, zh-SG) is zh-CN; traditional Chinese is not spoken.
func Normalize(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return ""
	}
	base, _ := t.Base()
	switch base.String() {
	case "en":
		return EN
	case "zh":
		if script, _ := t.Script(); script.String() == "Hans" {
			return ZH
		}
	}
	return ""
}

// FromAcceptLanguage picks the supported language a browser's
// Accept-Language header prefers most (by q-value), else English.
func FromAcceptLanguage(header string) string {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		return EN
	}
	for _, t := range tags { // sorted by q, highest first; q=0 left out
		if l := Normalize(t.String()); l != "" {
			return l
		}
	}
	return EN
}

// Pick returns the first supported language among choices (a user's
// setting, a widget's locale, …), else fallback.
func Pick(fallback string, choices ...string) string {
	for _, c := range choices {
		if c == "" {
			continue
		}
		if l := Normalize(c); l != "" {
			return l
		}
	}
	return fallback
}
