// Package agentconsole embeds the built agent console single-page app.
package agentconsole

import "embed"

// Dist holds the output of `npm run build` in agent-console/. Before the first
// build it holds only .gitkeep, so the Go build never depends on npm.
//
//go:embed all:dist
var Dist embed.FS
