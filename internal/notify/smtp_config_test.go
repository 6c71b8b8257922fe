package notify_test

import (
	"strings"
	"testing"

	"github.com/parley-chat/parley/internal/notify"
)

func TestNewSMTPMailer(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		want    string // String() of the mailer; empty when an error is expected
		wantErr string
	}{
		{
			name: "smtp defaults to submission port and starttls",
			url:  "smtp://mail.example.com?from=no-reply%40example.com",
			want: "smtp://mail.example.com:587?from=no-reply%40example.com&timeout=30s&tls=starttls",
		},
		{
			name: "smtps defaults to port 465",
			url:  "smtps://alice:s3cret@mail.example.com?from=no-reply%40example.com",
			want: "smtps://alice:xxxxx@mail.example.com:465?from=no-reply%40example.com&timeout=30s",
		},
		{
			name: "display name, explicit port and options",
			url:  "smtp://alice:p%40ss@mail.example.com:2525?from=Parley%20%3Cno-reply@example.com%3E&tls=starttls&insecure_skip_verify=true&timeout=5s",
			want: "smtp://alice:xxxxx@mail.example.com:2525?from=%22Parley%22+%3Cno-reply%40example.com%3E&insecure_skip_verify=true&timeout=5s&tls=starttls",
		},
		{
			name: "plain relay without auth",
			url:  "smtp://relay.internal:25?from=no-reply%40example.com&tls=none",
			want: "smtp://relay.internal:25?from=no-reply%40example.com&timeout=30s&tls=none",
		},
		{
			name: "user without password",
			url:  "smtp://alice@[::1]?from=no-reply%40example.com",
			want: "smtp://alice@[::1]:587?from=no-reply%40example.com&timeout=30s&tls=starttls",
		},
		{name: "missing from", url: "smtp://mail.example.com:587", wantErr: "no from"},
		{name: "bad from", url: "smtp://mail.example.com?from=nobody", wantErr: "from"},
		{name: "unknown scheme", url: "http://mail.example.com?from=a%40b.c", wantErr: "scheme"},
		{name: "no host", url: "smtp://?from=a%40b.c", wantErr: "no host"},
		{name: "path", url: "smtp://mail.example.com/x?from=a%40b.c", wantErr: "path"},
		{name: "bad tls", url: "smtp://mail.example.com?from=a%40b.c&tls=yes", wantErr: "tls"},
		{name: "tls with smtps", url: "smtps://mail.example.com?from=a%40b.c&tls=none", wantErr: "smtps"},
		{name: "bad insecure_skip_verify", url: "smtp://h?from=a%40b.c&insecure_skip_verify=maybe", wantErr: "insecure_skip_verify"},
		{name: "bad timeout", url: "smtp://h?from=a%40b.c&timeout=-1s", wantErr: "timeout"},
		{name: "unknown parameter", url: "smtp://h?form=a%40b.c", wantErr: "unknown parameter"},
		{name: "repeated parameter", url: "smtp://h?from=a%40b.c&from=d%40e.f", wantErr: "2 times"},
		{name: "unparsable URL keeps password out", url: "smtp://alice:s3cret@h:port?from=a%40b.c", wantErr: "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := notify.NewSMTPMailer(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one mentioning %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q reveals the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if strings.Contains(m.String(), "s3cret") || strings.Contains(m.String(), "p@ss") {
				t.Errorf("String() %q reveals the password", m.String())
			}
			// The printed form must itself be a valid configuration.
			if _, err := notify.NewSMTPMailer(m.String()); err != nil {
				t.Errorf("String() does not parse back: %v", err)
			}
		})
	}
}
