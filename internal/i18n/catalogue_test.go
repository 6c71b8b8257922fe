package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The sources walked for texts: every Go file of the server but tests.
var sourceRoots = []string{"../../internal", "../../cmd"}

// found is what the walk of the sources collected.
type found struct {
	errors map[string]string // English message or format → where it is
	keys   map[string]string // text key → where it is
	bad    []string          // messages built in a way no catalogue can key
}

// errsCalls are the constructors of package errs and the index of their
// message argument.
var errsCalls = map[string]int{"E": 1, "R": 2, "Field": 1, "Ef": 1, "Rf": 2, "Fieldf": 1}

func walkSources(t *testing.T) found {
	t.Helper()
	f := found{errors: map[string]string{}, keys: map[string]string{}}
	fset := token.NewFileSet()
	for _, root := range sourceRoots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testkit" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			file, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			inErrs := file.Name.Name == "errs"
			inI18n := file.Name.Name == "i18n"
			ast.Inspect(file, func(n ast.Node) bool {
				f.visit(fset, n, inErrs, inI18n)
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *found) visit(fset *token.FileSet, n ast.Node, inErrs, inI18n bool) {
	where := func(n ast.Node) string { return fset.Position(n.Pos()).String() }
	message := func(e ast.Expr, dynamicOK bool) {
		if s, ok := literal(e); ok {
			if s != "" {
				f.errors[s] = where(e)
			}
			return
		}
		if c, ok := e.(*ast.CallExpr); ok {
			if pkg, name := callee(c); pkg == "i18n" && name == "N" {
				return // collected where N is called
			}
		}
		if _, ok := e.(*ast.Ident); ok && dynamicOK {
			return // a variable holding a marked or checked text
		}
		if sel, ok := e.(*ast.SelectorExpr); ok && dynamicOK {
			_ = sel // a constant or field of marked texts (e.g. text.NotUTF8)
			return
		}
		f.bad = append(f.bad, where(e))
	}
	switch n := n.(type) {
	case *ast.CallExpr:
		pkg, name := callee(n)
		if (pkg == "errs" || (inErrs && pkg == "")) && errsCalls[name] > 0 {
			i := errsCalls[name]
			if i < len(n.Args) {
				message(n.Args[i], true)
			}
		}
		if pkg == "i18n" && name == "Error" && len(n.Args) >= 2 {
			if s, ok := literal(n.Args[1]); ok {
				f.errors[s] = where(n)
			}
		}
		if (pkg == "i18n" || (inI18n && pkg == "")) && name == "N" && len(n.Args) == 1 {
			message(n.Args[0], false)
		}
		if (pkg == "i18n" || (inI18n && pkg == "")) && name == "T" && len(n.Args) >= 2 {
			if s, ok := literal(n.Args[1]); ok {
				f.keys[s] = where(n)
			} else if !inI18n {
				f.bad = append(f.bad, where(n.Args[1])+" (a text key must be a literal)")
			}
		}
	case *ast.CompositeLit:
		if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Error" && isIdent(sel.X, "errs") {
			for _, el := range n.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				switch k := kv.Key.(*ast.Ident); {
				case k == nil:
				case k.Name == "Message" || k.Name == "Format":
					message(kv.Value, false)
				case k.Name == "Details":
					if m, ok := kv.Value.(*ast.CompositeLit); ok {
						for _, el := range m.Elts {
							message(el.(*ast.KeyValueExpr).Value, false)
						}
					}
				}
			}
		}
	case *ast.AssignStmt:
		// details["field"] = "reason", where a service collects several.
		if inErrs {
			return
		}
		for i, l := range n.Lhs {
			if ix, ok := l.(*ast.IndexExpr); ok && isIdent(ix.X, "details") && i < len(n.Rhs) {
				message(n.Rhs[i], true)
			}
		}
	}
}

func callee(c *ast.CallExpr) (pkg, name string) {
	switch fn := c.Fun.(type) {
	case *ast.SelectorExpr:
		if id, ok := fn.X.(*ast.Ident); ok {
			return id.Name, fn.Sel.Name
		}
	case *ast.Ident:
		return "", fn.Name
	}
	return "", ""
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// literal evaluates a string literal or a concatenation of literals.
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := literal(e.X)
		b, ok2 := literal(e.Y)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return literal(e.X)
	}
	return "", false
}

var (
	verbRE        = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)
	placeholderRE = regexp.MustCompile(`\{[a-z_]+\}`)
)

// verbs lists the fmt verbs of a format, by argument: %[2]s counts as the
// second argument's s, so a translation may reorder them.
func verbs(format string) []string {
	var out []string
	next := 1
	for _, v := range verbRE.FindAllStringSubmatch(format, -1) {
		if v[0] == "%%" {
			continue
		}
		i := next
		if v[1] != "" {
			i, _ = strconv.Atoi(strings.Trim(v[1], "[]"))
		}
		next = i + 1
		out = append(out, strconv.Itoa(i)+v[0][len(v[0])-1:])
	}
	slices.Sort(out)
	return out
}

func placeholders(s string) []string {
	out := placeholderRE.FindAllString(s, -1)
	slices.Sort(out)
	return slices.Compact(out)
}

// TestEveryErrorMessageIsTranslated fails on an error message, field
// reason or marked text of the sources that a language has no
// translation for, on a translation whose fmt verbs differ from the
// English, and on translations nothing uses any more.
func TestEveryErrorMessageIsTranslated(t *testing.T) {
	f := walkSources(t)
	if len(f.errors) < 200 {
		t.Fatalf("the walk found only %d messages: is it still looking at the right calls?", len(f.errors))
	}
	for _, b := range f.bad {
		t.Errorf("%s: a message must be a literal (use errs.Ef/Rf/Fieldf with arguments for dynamic ones)", b)
	}
	ids := make([]string, 0, len(f.errors))
	for id := range f.errors {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for lang, c := range catalogues {
		if lang == EN {
			if len(c.Errors) != 0 {
				t.Errorf("en: error messages are their own English; the en catalogue holds none")
			}
			continue
		}
		for _, id := range ids {
			tr, ok := c.Errors[id]
			if !ok || strings.TrimSpace(tr) == "" {
				t.Errorf("%s: no %s translation of %q", f.errors[id], lang, id)
				continue
			}
			if !slices.Equal(verbs(id), verbs(tr)) {
				t.Errorf("%s: %q has verbs %v, its translation %q has %v", lang, id, verbs(id), tr, verbs(tr))
			}
		}
		for id := range c.Errors {
			if _, ok := f.errors[id]; !ok {
				t.Errorf("%s: %q is translated but no source uses it any more", lang, id)
			}
		}
	}
}

// TestEveryTextKeyIsInEveryLanguage fails on a text key (e-mails, system
// events) missing from a language, on keys nothing uses, and on
// translations whose {placeholders} differ between languages.
func TestEveryTextKeyIsInEveryLanguage(t *testing.T) {
	f := walkSources(t)
	if len(f.keys) < 10 {
		t.Fatalf("the walk found only %d text keys", len(f.keys))
	}
	en := catalogues[EN].Text
	for lang, c := range catalogues {
		for key, where := range f.keys {
			if strings.TrimSpace(c.Text[key]) == "" {
				t.Errorf("%s: %q has no %s text", where, key, lang)
			}
		}
		for key, tr := range c.Text {
			if _, ok := f.keys[key]; !ok {
				t.Errorf("%s: %q is in the catalogue but no source uses it", lang, key)
			}
			if !slices.Equal(placeholders(tr), placeholders(en[key])) {
				t.Errorf("%s: %q has placeholders %v, English has %v", lang, key, placeholders(tr), placeholders(en[key]))
			}
		}
	}
}

func TestVerbs(t *testing.T) {
	if got := verbs("at most %d of %s, 100%%"); !slices.Equal(got, []string{"1d", "2s"}) {
		t.Fatal(got)
	}
	if got := verbs("%[2]s 的 %[1]d"); !slices.Equal(got, []string{"1d", "2s"}) {
		t.Fatal(got)
	}
}
