package text

import "testing"

func TestBadJSON(t *testing.T) {
	tests := []struct {
		name, in, field, problem string
	}{
		{"clean", `{"body":"hello","n":1,"ok":true,"x":null}`, "", ""},
		{"escaped backslash before u0000 is text", `{"body":"a\\u0000"}`, "", ""},
		{"nul escape", `{"body":"a\u0000b"}`, "body", HasNUL},
		{"raw nul byte", "{\"body\":\"a\x00b\"}", "body", HasNUL},
		{"invalid utf-8", "{\"nickname\":\"\xff\xfe\"}", "nickname", NotUTF8},
		{"nested list", `{"prechat":[{"name":"ok"},{"label":"x\u0000"}]}`, "prechat[1].label", HasNUL},
		{"list of strings", "{\"allowed_origins\":[\"https://a.example\",\"\xc3\"]}", "allowed_origins[1]", NotUTF8},
		{"bad key", `{"na\u0000me":"x"}`, `na\u0000me`, HasNUL},
		{"top-level string", `"\u0000"`, "body", HasNUL},
		{"broken syntax is left to the decoder", `{"body":`, "", ""},
		{"valid later field after numbers", `{"a":[1,2,{"b":-1.5e3}],"c":"\u0000"}`, "c", HasNUL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, p := BadJSON([]byte(tt.in))
			if f != tt.field || p != tt.problem {
				t.Fatalf("BadJSON(%q) = (%q, %q), want (%q, %q)", tt.in, f, p, tt.field, tt.problem)
			}
		})
	}
}

func TestProblem(t *testing.T) {
	for in, want := range map[string]string{"héllo": "", "a\x00": HasNUL, "\xff": NotUTF8, "": ""} {
		if got := Problem(in); got != want {
			t.Errorf("Problem(%q) = %q, want %q", in, got, want)
		}
	}
}
