// Package widget embeds the built visitor widget (loader and chat frame).
package widget

import "embed"

// Dist holds the output of `npm run build` in widget/. Before the first build it
// holds only .gitkeep, so the Go build never depends on npm.
//
//go:embed all:dist
var Dist embed.FS
