# Parley — `make run` starts it in embedded mode, `make test` runs every test.
GO  ?= go
NPM ?= npm
ARGS ?=

.PHONY: run build frontend test go-test web-test browser-test clean

## run: build both front ends and the binary, then start Parley in embedded mode
run: build
	./bin/parley serve $(ARGS)

## build: the binary at bin/parley with both front ends embedded
build: frontend
	$(GO) build -trimpath -o bin/parley ./cmd/parley

frontend: agent-console/node_modules/.installed widget/node_modules/.installed
	cd agent-console && $(NPM) run --silent build
	cd widget && $(NPM) run --silent build

agent-console/node_modules/.installed: agent-console/package-lock.json
	cd agent-console && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

widget/node_modules/.installed: widget/package-lock.json
	cd widget && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

## test: all Go tests (embedded mode) and the front-end unit tests
test: go-test web-test

go-test:
	$(GO) test -timeout 30m ./...

web-test: agent-console/node_modules/.installed widget/node_modules/.installed
	cd agent-console && $(NPM) test --silent
	cd widget && $(NPM) test --silent

## browser-test: Playwright + Chromium against a freshly built server
browser-test:
	bash .ci/browser

clean:
	rm -rf bin agent-console/node_modules widget/node_modules
	find agent-console/dist widget/dist -mindepth 1 ! -name .gitkeep -delete
