package store

import "gorm.io/gorm/clause"

func clauseExpr(sql string, vars ...any) clause.Expr { return clause.Expr{SQL: sql, Vars: vars} }
