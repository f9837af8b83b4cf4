//! Local sequences of values (`let pts: Vec<Vec3> = ..`), one vector per field: their
//! declarations and the statements that change them.

use super::{compound, spelled_out, unparen, Local, Pass};
use proc_macro2::Ident;
use quote::quote;
use std::collections::HashMap;
use syn::visit_mut::VisitMut;

impl Pass {
    /// A local sequence of values — `let pts: Vec<V2> = ITER.map(|i| V2::new(..)).collect();`,
    /// `vec![V; n]`, `[a, b, c]`, an empty `Vec` that pushes fill — as one vector per field
    /// (`pts_x`, `pts_y`). Whether `l` is one.
    /// The values of `a`'s elements (of type `t`) field by field: one list per field, what
    /// they need computed first added to `pre`.
    fn columns(
        &mut self,
        a: &syn::ExprArray,
        t: usize,
        pre: &mut Vec<syn::Stmt>,
    ) -> Option<Vec<Vec<syn::Expr>>> {
        let mut columns: Vec<Vec<syn::Expr>> = vec![Vec::new(); self.types[t].fields.len()];
        for el in &a.elems {
            let (p, parts) = self.value(el, t)?;
            pre.extend(p);
            for (c, part) in columns.iter_mut().zip(parts) {
                c.push(part);
            }
        }
        Some(columns)
    }

    pub(super) fn seq_local(&mut self, l: &syn::Local, out: &mut Vec<syn::Stmt>) -> bool {
        let (syn::Pat::Ident(pi), ty) = crate::desugar::pat_and_type(l) else {
            return false;
        };
        let Some(init) = l.init.as_ref().filter(|i| i.diverge.is_none()) else {
            return false;
        };
        let (name, m) = (pi.ident.clone(), pi.mutability);
        let declared = ty
            .and_then(crate::vector::seq_elem)
            .and_then(|e| self.type_named(&e));
        let e = unparen(&init.expr);
        // Each field's initializer, given the type.
        let mut inits: Vec<syn::Expr> = Vec::new();
        let mut pre: Vec<syn::Stmt> = Vec::new();
        let t = match e {
            // `ps.clone()`, `ps.to_vec()`, `ps.iter().copied().collect()` of a local sequence of
            // values: a copy of each field's vector.
            syn::Expr::MethodCall(c) if crate::desugar::copied_whole(c).is_some() => {
                let source = crate::desugar::copied_whole(c);
                let Some(local) = source.and_then(|s| self.local_seq(s)).cloned() else {
                    return false;
                };
                if declared.is_some_and(|d| d != local.ty) {
                    return false;
                }
                inits = local
                    .parts
                    .iter()
                    .map(|p| syn::parse_quote!(#p.to_vec()))
                    .collect();
                local.ty
            }
            // `ITER.map(|i| VALUE).collect()`.
            syn::Expr::MethodCall(c) if c.method == "collect" && c.args.is_empty() => {
                let syn::Expr::MethodCall(map) = unparen(&c.receiver) else {
                    return false;
                };
                let Some(syn::Expr::Closure(f)) = map.args.first() else {
                    return false;
                };
                if map.method != "map" || map.args.len() != 1 || f.inputs.len() != 1 {
                    return false;
                }
                self.scopes.push(HashMap::new());
                let param = f.inputs[0].clone();
                self.shadow_pat(&param);
                let t = declared.or_else(|| self.type_of(&f.body));
                let made = t.and_then(|t| self.value(&f.body, t));
                self.scopes.pop();
                let (Some(t), Some((body_pre, parts))) = (t, made) else {
                    return false;
                };
                let source = &map.receiver;
                if self.mentions_local(&quote!(#source)) {
                    return false;
                }
                for part in parts {
                    inits.push(
                        syn::parse_quote!(#source.map(|#param| { #(#body_pre)* #part }).collect()),
                    );
                }
                t
            }
            // `vec![VALUE; n]`.
            syn::Expr::Macro(mac) if mac.mac.path.is_ident("vec") => {
                let tokens = &mac.mac.tokens;
                if tokens.is_empty() {
                    let Some(t) = declared.or_else(|| self.pushed_type(&name)) else {
                        return false;
                    };
                    inits = (0..self.types[t].fields.len())
                        .map(|_| syn::parse_quote!(::std::vec::Vec::new()))
                        .collect();
                    t
                } else if let Ok(list) = syn::parse2::<syn::ExprArray>(quote!([#tokens])) {
                    // `vec![a, b, c]`: one `vec![..]` per field.
                    let Some(t) = list
                        .elems
                        .first()
                        .and_then(|first| declared.or_else(|| self.type_of(first)))
                    else {
                        return false;
                    };
                    let Some(columns) = self.columns(&list, t, &mut pre) else {
                        return false;
                    };
                    inits = columns
                        .into_iter()
                        .map(|c| syn::parse_quote!(vec![#(#c),*]))
                        .collect();
                    t
                } else {
                    let Ok(rep) = syn::parse2::<syn::ExprRepeat>(quote!([#tokens])) else {
                        return false;
                    };
                    let Some(t) = declared.or_else(|| self.type_of(&rep.expr)) else {
                        return false;
                    };
                    let Some((p, parts)) = self.value(&rep.expr, t) else {
                        return false;
                    };
                    pre.extend(p);
                    let mut n = (*rep.len).clone();
                    self.visit_expr_mut(&mut n);
                    for part in parts {
                        inits.push(syn::parse_quote!(vec![#part; #n]));
                    }
                    t
                }
            }
            // `Vec::new()`, `Vec::with_capacity(n)`.
            e if crate::desugar::empty_vec(e) => {
                let Some(t) = declared.or_else(|| self.pushed_type(&name)) else {
                    return false;
                };
                inits = (0..self.types[t].fields.len())
                    .map(|_| syn::parse_quote!(::std::vec::Vec::new()))
                    .collect();
                t
            }
            // `[a, b, c]` of values.
            syn::Expr::Array(a) if !a.elems.is_empty() => {
                let Some(t) = declared.or_else(|| self.type_of(&a.elems[0])) else {
                    return false;
                };
                let Some(columns) = self.columns(a, t, &mut pre) else {
                    return false;
                };
                inits = columns
                    .into_iter()
                    .map(|c| syn::parse_quote!([#(#c),*]))
                    .collect();
                t
            }
            _ => return false,
        };
        if self.failed {
            return true;
        }
        out.extend(pre);
        let array = matches!(e, syn::Expr::Array(_));
        let typed: Vec<(Option<syn::Type>, syn::Expr)> = self.types[t]
            .fields
            .iter()
            .zip(inits)
            .map(|((_, fty), init)| {
                let ty = (!array).then(|| syn::parse_quote!(::std::vec::Vec<#fty>));
                (ty, init)
            })
            .collect();
        self.bind_parts(&name, m, t, typed, true, out);
        self.changed = true;
        true
    }

    /// The value type a later `name.push(VALUE)` of the block pushes: a constructor or literal
    /// of the type, a local of it, an element of a sequence of it that a loop around the push
    /// iterates, or an operator's result on one of those (`*q * 1.5`).
    pub(super) fn pushed_type(&self, name: &Ident) -> Option<usize> {
        struct Find<'a> {
            pass: &'a Pass,
            name: &'a Ident,
            loops: Vec<(Ident, usize)>,
            found: Option<usize>,
        }
        impl Find<'_> {
            fn head(&self, e: &syn::Expr) -> Option<usize> {
                let pass = self.pass;
                match unparen(e) {
                    syn::Expr::Struct(s) => pass.type_of_path(&s.path),
                    syn::Expr::Call(c) => match &*c.func {
                        syn::Expr::Path(fp) if fp.path.segments.len() == 2 => {
                            let ty = &fp.path.segments[0].ident;
                            pass.types.iter().position(|t| t.name == *ty)
                        }
                        // (A helper of the module copied in, or a closure of the body, that
                        // gives a value: its return type.)
                        syn::Expr::Path(fp) if fp.path.segments.len() == 1 => {
                            let n = fp.path.segments[0].ident.to_string();
                            let f = pass.nested.get(&n).or_else(|| pass.closures.get(&n))?;
                            pass.returns_of(f, None)
                        }
                        _ => None,
                    },
                    syn::Expr::Path(p) => {
                        let id = p.path.get_ident()?;
                        self.loops
                            .iter()
                            .rev()
                            .find(|(n, _)| n == id)
                            .map(|(_, t)| *t)
                            .or_else(|| pass.lookup(id).map(|l| l.ty))
                    }
                    syn::Expr::Unary(u) => self.head(&u.expr),
                    syn::Expr::Binary(b) => self.head(&b.left),
                    syn::Expr::MethodCall(m) if m.method == "clone" => self.head(&m.receiver),
                    // A helper of the module inlined where it was called (the copy of a helper
                    // derived on its own): `{ let p: V2 = a; ..; let v: V2 = { p * k }; v }`,
                    // of the type of its own typed `let` the tail names.
                    syn::Expr::Block(b) if b.label.is_none() => {
                        let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last() else {
                            return None;
                        };
                        let own = unparen(tail).clone();
                        let typed = b.block.stmts.iter().rev().find_map(|s| {
                            let syn::Stmt::Local(l) = s else { return None };
                            match crate::desugar::pat_and_type(l) {
                                (syn::Pat::Ident(pi), ty)
                                    if matches!(&own, syn::Expr::Path(p) if p.path.is_ident(&pi.ident)) =>
                                {
                                    Some(ty)
                                }
                                _ => None,
                            }
                        });
                        match typed {
                            Some(ty) => pass.type_named(ty?),
                            None => self.head(tail),
                        }
                    }
                    _ => None,
                }
            }
        }
        impl<'a> syn::visit::Visit<'a> for Find<'_> {
            fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
                let bound = match &*f.pat {
                    syn::Pat::Ident(pi) => Some(pi.ident.clone()),
                    syn::Pat::Reference(r) => match &*r.pat {
                        syn::Pat::Ident(pi) => Some(pi.ident.clone()),
                        _ => None,
                    },
                    _ => None,
                };
                let pushed = match (bound, self.pass.seq_of(&f.expr)) {
                    (Some(n), Some(t)) => {
                        self.loops.push((n, t));
                        true
                    }
                    _ => false,
                };
                syn::visit::visit_expr_for_loop(self, f);
                if pushed {
                    self.loops.pop();
                }
            }
            fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
                let on = matches!(unparen(&m.receiver), syn::Expr::Path(p) if p.path.is_ident(self.name));
                if on && m.method == "push" && self.found.is_none() {
                    self.found = m.args.first().and_then(|a| self.head(a));
                }
                syn::visit::visit_expr_method_call(self, m);
            }
        }
        let mut f = Find {
            pass: self,
            name,
            loops: Vec::new(),
            found: None,
        };
        for s in &self.rest {
            syn::visit::Visit::visit_stmt(&mut f, s);
        }
        f.found
    }

    /// Statements on a local sequence of values: `pts.push(VALUE);`, `pts[i] = VALUE;` (`+=`
    /// ..), `pts.clear();`, `pts.truncate(n);`, `pts.swap(i, j);`, done to each field's vector.
    pub(super) fn seq_stmt(&mut self, e: &syn::Expr) -> Option<syn::Expr> {
        match e {
            syn::Expr::MethodCall(m) => {
                let l = self.local_seq(&m.receiver)?.clone();
                let method = &m.method;
                let out: syn::Expr = match method.to_string().as_str() {
                    "push" if m.args.len() == 1 => {
                        let Some((pre, values)) = self.value(&m.args[0], l.ty) else {
                            self.fail_at(&m.args[0], "pushed where it cannot be taken apart");
                            return None;
                        };
                        let parts = &l.parts;
                        syn::parse_quote!({ #(#pre)* #(#parts.push(#values);)* })
                    }
                    "clear" | "truncate" | "swap" => {
                        let mut args: Vec<syn::Expr> = m.args.iter().cloned().collect();
                        for a in &mut args {
                            self.visit_expr_mut(a);
                        }
                        let temps: Vec<Ident> =
                            args.iter().map(|_| crate::naming::fresh("arg")).collect();
                        let calls = l.parts.iter().map(|p| quote!(#p.#method(#(#temps),*);));
                        syn::parse_quote!({
                            #(let #temps: usize = #args;)*
                            #(#calls)*
                        })
                    }
                    _ => return None,
                };
                self.changed = true;
                Some(out)
            }
            syn::Expr::Assign(a) => {
                let syn::Expr::Index(ix) = unparen(&a.left) else {
                    return None;
                };
                let l = self.local_seq(&ix.expr)?.clone();
                self.store(&l, &ix.index, &a.right)
            }
            syn::Expr::Binary(b) if compound(&b.op) => {
                let syn::Expr::Index(ix) = unparen(&b.left) else {
                    return None;
                };
                let l = self.local_seq(&ix.expr)?.clone();
                self.store(&l, &ix.index, &spelled_out(b))
            }
            _ => None,
        }
    }

    /// `seq[at] = value;` of a local sequence of values: the fields computed, then stored.
    pub(super) fn store(
        &mut self,
        l: &Local,
        at: &syn::Expr,
        value: &syn::Expr,
    ) -> Option<syn::Expr> {
        let mut at = at.clone();
        self.visit_expr_mut(&mut at);
        let Some((pre, values)) = self.value(value, l.ty) else {
            self.fail_at(value, "stored where it cannot be taken apart");
            return None;
        };
        let k = crate::naming::fresh("at");
        let temps: Vec<Ident> = values.iter().map(|_| crate::naming::fresh("set")).collect();
        let fty = self.types[l.ty].fields.iter().map(|(_, t)| t);
        let parts = &l.parts;
        self.changed = true;
        Some(syn::parse_quote!({
            let #k: usize = #at;
            #(#pre)*
            #(let #temps: #fty = #values;)*
            #(#parts[#k] = #temps;)*
        }))
    }
}
