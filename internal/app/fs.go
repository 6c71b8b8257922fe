package app

import (
	"embed"
	"io/fs"
)

// sub returns the dist/ folder of an embedded front end.
func sub(f embed.FS) fs.FS {
	s, err := fs.Sub(f, "dist")
	if err != nil {
		panic(err) // dist is always embedded, if only with .gitkeep
	}
	return s
}
