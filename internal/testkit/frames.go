package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/parley-chat/parley/internal/httpapi"
)

// frameSchemas are the AsyncAPI document's message payloads, compiled once
// per process: server frames (the receive operation) and client frames
// (the send operation), each by its type.
type frameSchemas struct {
	server, client map[string]*jsonschema.Schema
}

var loadFrameSchemas = sync.OnceValues(func() (*frameSchemas, error) {
	return compileFrameSchemas(httpapi.AsyncAPIDocument())
})

const asyncAPIURL = "urn:parley:asyncapi.json"

func compileFrameSchemas(doc []byte) (*frameSchemas, error) {
	var spec struct {
		Operations map[string]struct {
			Action   string `json:"action"`
			Messages []struct {
				Ref string `json:"$ref"`
			} `json:"messages"`
		} `json:"operations"`
		Channels map[string]struct {
			Messages map[string]struct {
				Ref string `json:"$ref"`
			} `json:"messages"`
		} `json:"channels"`
		Components struct {
			Messages map[string]struct {
				Payload struct {
					Ref string `json:"$ref"`
				} `json:"payload"`
			} `json:"messages"`
			Schemas map[string]struct {
				Properties struct {
					Type struct {
						Const string `json:"const"`
					} `json:"type"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &spec); err != nil {
		return nil, fmt.Errorf("asyncapi.json: %w", err)
	}
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7) // AsyncAPI's schema format is a superset of draft 7
	c.AssertFormat()
	if err := c.AddResource(asyncAPIURL, raw); err != nil {
		return nil, err
	}
	out := &frameSchemas{server: map[string]*jsonschema.Schema{}, client: map[string]*jsonschema.Schema{}}
	for name, op := range spec.Operations {
		into := out.server
		if op.Action == "send" {
			into = out.client
		}
		for _, m := range op.Messages {
			// #/channels/ws/messages/X → #/components/messages/X → payload.
			parts := strings.Split(strings.TrimPrefix(m.Ref, "#/"), "/")
			if len(parts) != 4 || parts[0] != "channels" || parts[2] != "messages" {
				return nil, fmt.Errorf("operation %s: unexpected message reference %q", name, m.Ref)
			}
			msgRef := spec.Channels[parts[1]].Messages[parts[3]].Ref
			msg := spec.Components.Messages[strings.TrimPrefix(msgRef, "#/components/messages/")]
			schemaName := strings.TrimPrefix(msg.Payload.Ref, "#/components/schemas/")
			typ := spec.Components.Schemas[schemaName].Properties.Type.Const
			if typ == "" {
				return nil, fmt.Errorf("operation %s: message %s has no payload with a constant type", name, m.Ref)
			}
			s, err := c.Compile(asyncAPIURL + msg.Payload.Ref)
			if err != nil {
				return nil, fmt.Errorf("message %s: %w", m.Ref, err)
			}
			into[typ] = s
		}
	}
	if len(out.server) == 0 || len(out.client) == 0 {
		return nil, fmt.Errorf("asyncapi.json: no send or receive messages")
	}
	return out, nil
}

// shown cuts a frame to a readable length for a failure message.
func shown(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + fmt.Sprintf("… (%d bytes)", len(b))
	}
	return string(b)
}

// ServerFrameProblem says what is wrong with a frame the server sent, by
// the AsyncAPI document, or "" if nothing is: for tests that read a socket
// themselves rather than through WS.
func ServerFrameProblem(data []byte) string {
	if p := checkFrame(data, true); p != "" {
		return p + "\nframe: " + shown(data)
	}
	return ""
}

// checkFrame says what is wrong with a frame according to the AsyncAPI
// document, or "" if it matches. fromServer picks the receive messages.
func checkFrame(data []byte, fromServer bool) string {
	set, err := loadFrameSchemas()
	if err != nil {
		return "the AsyncAPI document does not load: " + err.Error()
	}
	byType, side := set.client, "client"
	if fromServer {
		byType, side = set.server, "server"
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return "not JSON: " + err.Error()
	}
	obj, _ := v.(map[string]any)
	typ, _ := obj["type"].(string)
	s, ok := byType[typ]
	if !ok {
		known := make([]string, 0, len(byType))
		for k := range byType {
			known = append(known, k)
		}
		sort.Strings(known)
		return fmt.Sprintf("%s frame type %q is not in the AsyncAPI document (known: %s)", side, typ, strings.Join(known, ", "))
	}
	if err := s.Validate(v); err != nil {
		return fmt.Sprintf("%s frame %q does not match the AsyncAPI document: %v", side, typ, err)
	}
	return ""
}
