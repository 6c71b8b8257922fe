package store

// socialModels lists the tables of friends, requests, categories, blocks
// and add-me codes.
func socialModels() []any { return nil }
