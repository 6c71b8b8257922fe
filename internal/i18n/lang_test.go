package i18n

import "testing"

func TestFromAcceptLanguage(t *testing.T) {
	cases := []struct{ header, want string }{
		{"", EN},
		{"zh-CN,zh;q=0.9,en;q=0.8", ZH},
		{"zh", ZH},
		{"zh-Hans", ZH},
		{"zh-SG", ZH},
		{"zh-TW", EN},
		{"en-US,en;q=0.9", EN},
		{"fr-FR, zh;q=0.5", ZH},
		{"en;q=0.3, zh-CN;q=0.8", ZH},
		{"zh-CN;q=0, en", EN},
		{"de, fr", EN},
		{"garbage;;;", EN},
	}
	for _, c := range cases {
		if got := FromAcceptLanguage(c.header); got != c.want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", c.header, got, c.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	for tag, want := range map[string]string{"en": EN, "en-GB": EN, "zh-CN": ZH, "zh-Hans-CN": ZH, "zh-HK": "", "ja": "", "": ""} {
		if got := Normalize(tag); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestErrorAndText(t *testing.T) {
	if got := Error(ZH, "no such message"); got == "no such message" {
		t.Fatalf("no translation: %q", got)
	}
	if got := Error(EN, "from 1 to %d shares", 5); got != "from 1 to 5 shares" {
		t.Fatalf("en: %q", got)
	}
	if got := Error("xx", "unknown message id"); got != "unknown message id" {
		t.Fatalf("fallback: %q", got)
	}
	if got := T(ZH, "mail.reset.subject"); got == "mail.reset.subject" || got == T(EN, "mail.reset.subject") {
		t.Fatalf("zh text: %q", got)
	}
}
