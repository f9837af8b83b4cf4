//! Constructors, methods and operators of value types (and closures and functions of the body
//! taking or giving values, methods of traits of floats) inlined where called.

use super::{self_ident, unparen, Callee, Local, Pass, Want, INHERENT};
use proc_macro2::Ident;
use quote::quote;
use std::collections::HashMap;
use syn::visit_mut::VisitMut;

impl Pass {
    /// The function `name` of the value type `own` inlined: with a receiver (`recv.m(args)`,
    /// an operator's left side), or as an associated function (`T::f(args)`, `T::m(recv,
    /// args)`). For a value, the statements and the fields; for a float, one block expression
    /// (in the second place).
    #[allow(clippy::type_complexity)]
    pub(super) fn inline(
        &mut self,
        own: usize,
        name: &str,
        recv: Option<&syn::Expr>,
        args: &[syn::Expr],
        want: Want,
    ) -> Option<(Vec<syn::Stmt>, Option<Vec<syn::Expr>>)> {
        let f = self.method_of(own, name, matches!(want, Want::Unit))?;
        self.inline_fn(&f, Some(own), recv, args, want, Callee::Plain)
    }

    /// [`Self::inline`] of the function `f` (a method of `own`, or a function of the body).
    #[allow(clippy::type_complexity)]
    pub(super) fn inline_fn(
        &mut self,
        f: &syn::ItemFn,
        own: Option<usize>,
        recv: Option<&syn::Expr>,
        args: &[syn::Expr],
        want: Want,
        how: Callee,
    ) -> Option<(Vec<syn::Stmt>, Option<Vec<syn::Expr>>)> {
        const DEPTH: usize = 8;
        if self.depth >= DEPTH {
            return None;
        }
        let mutating = matches!(want, Want::Unit);
        if !f.sig.generics.params.is_empty() || crate::plain_methods::returns_early(&f.block) {
            return None;
        }
        if let Want::Value(t) = want {
            if self.returns_of(f, own) != Some(t) {
                return None;
            }
        }
        // `T::dot(a, b)`: the receiver is the first argument.
        let (recv, args) = match (recv, f.sig.receiver()) {
            (Some(r), Some(_)) => (Some(r.clone()), args),
            (None, Some(_)) => (Some(args.first()?.clone()), args.get(1..)?),
            (None, None) => (None, args),
            (Some(_), None) => return None,
        };
        let by_mut = f
            .sig
            .receiver()
            .is_some_and(|r| r.mutability.is_some() && r.reference.is_some());
        if by_mut != mutating {
            return None;
        }
        let params: Vec<(syn::PatIdent, syn::Type)> = f
            .sig
            .inputs
            .iter()
            .filter_map(|a| match a {
                syn::FnArg::Typed(pt) => Some(pt),
                syn::FnArg::Receiver(_) => None,
            })
            .map(|pt| match &*pt.pat {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    Some((pi.clone(), (*pt.ty).clone()))
                }
                _ => None,
            })
            .collect::<Option<_>>()?;
        if params.len() != args.len() {
            return None;
        }
        let ty_name = own.map(|t| {
            let n = &self.types[t].name;
            quote!(#n)
        });
        let mut stmts: Vec<syn::Stmt> = Vec::new();
        let mut scope: HashMap<String, Option<Local>> = HashMap::new();
        // The receiver and the arguments, in the caller's scope, in order.
        let this = crate::naming::fresh("this");
        let mut this_parts = Vec::new();
        let scalar = match &how {
            Callee::OfFloat(t) => Some((**t).clone()),
            _ => None,
        };
        if let (Some(r), None, Some(ft)) = (&recv, own, &scalar) {
            // A number as the receiver (`2.0 * v`); lent to a method taking `&self`.
            let mut v = r.clone();
            self.visit_expr_mut(&mut v);
            if f.sig.receiver().is_some_and(|r| r.reference.is_some()) {
                let held = crate::naming::fresh("held");
                stmts.push(syn::parse_quote!(let #held: #ft = #v;));
                stmts.push(syn::parse_quote!(let #this: &#ft = &#held;));
                scope.insert(held.to_string(), None);
            } else {
                stmts.push(syn::parse_quote!(let #this: #ft = #v;));
            }
            scope.insert(this.to_string(), None);
        } else if let Some(r) = &recv {
            let own = own?;
            let (pre, values) = self.value(r, own)?;
            stmts.extend(pre);
            let parts = self.copies(own, &this.to_string(), values, &mut stmts);
            this_parts.clone_from(&parts);
            scope.insert(
                this.to_string(),
                Some(Local {
                    ty: own,
                    parts,
                    seq: false,
                }),
            );
        }
        let mut named: Vec<syn::Stmt> = Vec::new();
        for ((pi, pty), a) in params.iter().zip(args) {
            // `s: &mut S` given `&mut p` (a local of the type, or a value field of one): the
            // parameter is `p`'s fields themselves, which the body writes.
            if let Some(lent) = self.lent_value(pty, a, own) {
                scope.insert(pi.ident.to_string(), Some(lent));
                continue;
            }
            let inner = match pty {
                syn::Type::Reference(r) if r.mutability.is_none() => &*r.elem,
                t => t,
            };
            let of_type = match inner {
                syn::Type::Path(p) if p.path.is_ident("Self") => own,
                t => self.type_named(t),
            };
            if let Some(pt) = of_type {
                let (pre, values) = self.value(a, pt)?;
                stmts.extend(pre);
                let parts = self.copies(pt, &pi.ident.to_string(), values, &mut stmts);
                scope.insert(
                    pi.ident.to_string(),
                    Some(Local {
                        ty: pt,
                        parts,
                        seq: false,
                    }),
                );
            } else {
                if self.mentions_local(&quote!(#pty)) {
                    return None;
                }
                let mut v = a.clone();
                self.visit_expr_mut(&mut v);
                let temp = crate::naming::fresh("arg");
                stmts.push(syn::parse_quote!(let #temp: #pty = #v;));
                scope.insert(pi.ident.to_string(), None);
                let (m, id) = (&pi.mutability, &pi.ident);
                named.push(syn::parse_quote!(let #m #id: #pty = #temp;));
            }
        }
        // The parameters' names once every argument is computed: an argument reads the
        // caller's names (`fan(0.3, a)` into `fn fan(a: f64, b: f64)`: `b` is the caller's `a`).
        stmts.append(&mut named);
        if self.failed {
            return None;
        }
        // The body, over `this` and with `Self` the type's name, in a scope of its own: the
        // caller's locals are not its names.
        let body = quote::ToTokens::to_token_stream(&f.block);
        let body = crate::plain_methods::replace_ident(
            body,
            &Ident::new("self", proc_macro2::Span::call_site()),
            &quote!(#this),
        );
        let self_ty = ty_name.or_else(|| scalar.as_ref().map(|t| quote!(#t)));
        let body = match &self_ty {
            Some(t) => crate::plain_methods::replace_ident(body, &self_ident(), t),
            None => body,
        };
        let mut body: syn::Block = syn::parse2(body).ok()?;
        // (A function giving nothing, `fn kick(p: &mut P, k: f64)`: its value is `()`.)
        // (A closure's is not written: what its body gives.)
        let unit =
            matches!(f.sig.output, syn::ReturnType::Default) && !matches!(how, Callee::Closure);
        let tail = if mutating || (unit && matches!(want, Want::Float)) {
            // (No value: a `()` tail at most.)
            match body.stmts.last_mut() {
                Some(syn::Stmt::Expr(syn::Expr::Tuple(t), None)) if t.elems.is_empty() => {
                    body.stmts.pop();
                }
                // `if l > most { .. }`, a loop: a statement.
                Some(syn::Stmt::Expr(
                    syn::Expr::If(_)
                    | syn::Expr::ForLoop(_)
                    | syn::Expr::While(_)
                    | syn::Expr::Loop(_)
                    | syn::Expr::Block(_)
                    | syn::Expr::Match(_),
                    semi @ None,
                )) => *semi = Some(Default::default()),
                Some(syn::Stmt::Expr(_, None)) => return None,
                _ => {}
            }
            syn::parse_quote!(())
        } else {
            let Some(syn::Stmt::Expr(tail, None)) = body.stmts.pop() else {
                return None;
            };
            tail
        };
        // (A closure's body reads the caller's names too.)
        let inner = if matches!(how, Callee::Closure) {
            let mut all = self.scopes.clone();
            all.push(scope);
            all
        } else {
            vec![scope]
        };
        let saved = std::mem::replace(&mut self.scopes, inner);
        self.depth += 1;
        // (What follows each statement is the inlined body's: a list its pushes fill.)
        let saved_rest = std::mem::take(&mut self.rest);
        for (k, s) in body.stmts.iter().enumerate() {
            self.rest = body.stmts[k + 1..].to_vec();
            self.stmt(s.clone(), &mut stmts);
        }
        self.rest = saved_rest;
        let result = match want {
            Want::Value(t) => self.value(&tail, t).map(|(pre, values)| {
                stmts.extend(pre);
                Some(values)
            }),
            Want::Float => {
                let mut tail = tail;
                // (`pts.iter().map(..).sum()` of its tail: a sum of the float it returns.)
                if let syn::ReturnType::Type(_, ty) = &f.sig.output {
                    if crate::sig::float_of(ty).is_some() {
                        crate::desugar::name_reduction_type(&mut tail, ty);
                    }
                }
                self.visit_expr_mut(&mut tail);
                stmts.push(syn::Stmt::Expr(tail, None));
                Some(None)
            }
            Want::Unit => Some(Some(this_parts)),
        };
        self.depth -= 1;
        self.scopes = saved;
        let values = result?;
        if self.failed {
            return None;
        }
        self.changed = true;
        // The inlined body's own names (its parameters, its locals) under names of their own:
        // the caller's later rewrites read the caller's names (`n` of a generator's seed is a
        // parameter there, not the local of a method inlined beside it).
        let mut declared: Vec<Ident> = Vec::new();
        for st in &stmts {
            collect_lets(st, &mut declared);
        }
        declared.sort();
        declared.dedup();
        for n in declared
            .iter()
            .filter(|n| !n.to_string().starts_with("__grad"))
        {
            crate::desugar::sub_slices::unshadow(&mut stmts, n);
        }
        match (want, values) {
            (Want::Unit, Some(this_parts)) => {
                // The receiver's new fields, back in the caller's local.
                let back = recv
                    .as_ref()
                    .and_then(|r| self.local_of(r))
                    .map(|l| l.parts.clone())?;
                for (to, from) in back.iter().zip(&this_parts) {
                    stmts.push(syn::parse_quote!(#to = #from;));
                }
                Some((stmts, None))
            }
            (Want::Value(t), Some(values)) => {
                let tail = Self::tuple(&values);
                stmts.push(syn::Stmt::Expr(tail, None));
                let (bind, fields) = self.bind_block(syn::parse_quote!({ #(#stmts)* }), t);
                Some((bind, Some(fields)))
            }
            _ => Some((stmts, None)),
        }
    }

    /// The fields of the local `a` lends (`&mut p`, `&mut p.pos`) to a parameter of type `&mut
    /// T` of the value type `T` (or `&mut Self` of `own`): places named by the caller, which
    /// the inlined body reads and writes as its own.
    fn lent_value(&self, pty: &syn::Type, a: &syn::Expr, own: Option<usize>) -> Option<Local> {
        let syn::Type::Reference(r) = pty else {
            return None;
        };
        r.mutability?;
        let t = match &*r.elem {
            syn::Type::Path(p) if p.path.is_ident("Self") => own?,
            t => self.type_named(t)?,
        };
        let syn::Expr::Reference(ra) = unparen(a) else {
            return None;
        };
        ra.mutability?;
        let l = self.local_of(&ra.expr)?;
        // (Places of plain names only: an element's index would be read among the body's
        // names.)
        let plain = l.parts.iter().all(|p| matches!(p, syn::Expr::Path(_)));
        (l.ty == t && !l.seq && plain).then_some(l)
    }

    /// `let mut NAME_f = v;` for each field (the receiver or a parameter of an inlined body,
    /// which it may change): the names.
    pub(super) fn copies(
        &self,
        t: usize,
        name: &str,
        values: Vec<syn::Expr>,
        out: &mut Vec<syn::Stmt>,
    ) -> Vec<syn::Expr> {
        self.types[t]
            .fields
            .iter()
            .zip(values)
            .map(|((f, fty), v)| {
                let part = crate::naming::fresh(&format!("{name}_{f}_"));
                out.push(syn::parse_quote!(let mut #part: #fty = #v;));
                syn::parse_quote!(#part)
            })
            .collect()
    }

    /// The method of `m`, a method of a trait of the file implemented for `f64` or `f32` (one
    /// such `impl` only, taking `self`, and named unlike every method of the float types
    /// themselves, which a call would reach first), with the float type.
    pub(super) fn float_method(&self, m: &syn::ExprMethodCall) -> Option<(syn::ItemFn, syn::Type)> {
        let name = m.method.to_string();
        if INHERENT.contains(&name.as_str()) || m.turbofish.is_some() {
            return None;
        }
        let found: Vec<(syn::ItemFn, syn::Type)> = super::float_impls(&name);
        // (Implemented for both: the one of the function's float type; a float of the other
        // type is then a type error at the call, never another method.)
        let ours = |(_, t): &&(syn::ItemFn, syn::Type)| {
            self.float.as_deref() == Some(quote!(#t).to_string().as_str())
        };
        let (f, float) = match &found[..] {
            [one] => one.clone(),
            [_, _] if found.iter().filter(ours).count() == 1 => {
                found.iter().find(ours).expect("one").clone()
            }
            _ => return None,
        };
        // (By value or by shared reference; a receiver the body knows for an integer is
        // another type's, whose `impl` is not read.)
        let shared = f.sig.receiver()?.mutability.is_none();
        (shared && !self.known_int(&m.receiver)).then_some((f, float))
    }

    /// Whether `e` is an integer as the body writes it: an integer literal, a cast to an
    /// integer type, or a name the signature or a `let` gives an integer type (or an integer
    /// literal, or such a cast).
    fn known_int(&self, e: &syn::Expr) -> bool {
        match unparen(e) {
            syn::Expr::Lit(l) => matches!(l.lit, syn::Lit::Int(_)),
            syn::Expr::Cast(c) => int_type(&c.ty),
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.ints.contains(&i.to_string()) && self.lookup(i).is_none()),
            _ => false,
        }
    }

    /// A float computed by the function `name` of `own`, as one block expression.
    pub(super) fn inline_float(
        &mut self,
        own: usize,
        name: &str,
        recv: Option<&syn::Expr>,
        args: &[syn::Expr],
    ) -> Option<syn::Expr> {
        let (stmts, _) = self.inline(own, name, recv, args, Want::Float)?;
        Some(syn::parse_quote!({ #(#stmts)* }))
    }
}

/// Whether `ty` is a primitive integer type (as lowering reads constant parameters).
pub(super) fn int_type(ty: &syn::Type) -> bool {
    matches!(crate::lower::primitive_kind(ty), crate::ir::Kind::Int)
}

/// The names that the `let`s of `s` bind, at any depth (not inside closures' or items').
fn collect_lets(s: &syn::Stmt, out: &mut Vec<Ident>) {
    struct Lets<'o>(&'o mut Vec<Ident>);
    impl<'a> syn::visit::Visit<'a> for Lets<'_> {
        fn visit_local(&mut self, l: &'a syn::Local) {
            crate::lower::collect_pat_idents(&l.pat, self.0);
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    syn::visit::Visit::visit_stmt(&mut Lets(out), s);
}
