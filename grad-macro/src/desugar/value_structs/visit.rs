//! The body read as a float context: values read through their fields, functions of them
//! inlined, loops over sequences of them by index; any other use of a value is not followed.

use super::{compound, index_pattern, op_method, unparen, Callee, Local, Pass, Want};
use std::collections::HashMap;
use syn::visit_mut::VisitMut;

impl VisitMut for Pass {
    /// A float context: values of value types read through their fields, functions of them
    /// inlined; any other use of such a value is not followed.
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if self.failed {
            return;
        }
        match e {
            syn::Expr::Field(f) => {
                let Some(t) = self.type_of(&f.base) else {
                    return syn::visit_mut::visit_expr_mut(self, e);
                };
                let m = &super::member_name(&f.member);
                let Some(k) = self.types[t].fields.iter().position(|(n, _)| n == m) else {
                    return self.fail();
                };
                let Some((pre, values)) = self.value(&f.base.clone(), t) else {
                    return self.fail();
                };
                let v = &values[k];
                *e = if pre.is_empty() {
                    v.clone()
                } else if let Some(place) = indexed_once(&pre, v) {
                    // (One field of `ps[i - 1]`: its index read once in place, so that it may be
                    // written, `ps[i - 1].v += f`.)
                    place
                } else {
                    syn::parse_quote!({ #(#pre)* #v })
                };
                self.changed = true;
            }
            // `pts.iter().zip(ws).map(|(p, w)| ..)` (also `enumerate`, `fold`, `for_each`,
            // `any`, `all`) of a local sequence of values: over its indices, each element the
            // fields' vectors there.
            syn::Expr::MethodCall(m)
                if ["map", "fold", "for_each", "any", "all"]
                    .iter()
                    .any(|n| m.method == n)
                    && !(m.method == "map"
                        && matches!(unparen(&m.receiver), syn::Expr::MethodCall(i) if i.method == "iter" && self.local_seq(&i.receiver).is_some()))
                    && self.local_chain(&m.receiver, false).is_some() =>
            {
                let (chain, shape) = self.local_chain(&m.receiver, false).expect("a chain");
                let at = usize::from(m.method == "fold");
                let Some(syn::Expr::Closure(c)) = m.args.iter_mut().nth(at) else {
                    return self.fail_at(&m.method, "iterated in a way not followed");
                };
                let original = c.inputs.clone();
                let mut binds = Vec::new();
                let indexed = c
                    .inputs
                    .iter_mut()
                    .nth(at)
                    .and_then(|p| index_pattern(p, &shape, &mut binds));
                if indexed.is_none() || binds.is_empty() {
                    return self.fail_at(&m.method, "iterated in a way not followed");
                }
                *m.receiver = chain;
                self.visit_expr_mut(&mut m.receiver);
                for (k, a) in m.args.iter_mut().enumerate() {
                    match a {
                        syn::Expr::Closure(c) if k == at => {
                            let shadowed: Vec<syn::Pat> = original.iter().cloned().collect();
                            self.scoped(
                                &shadowed,
                                |p| p.declare_indexed(&binds),
                                |p| {
                                    p.visit_expr_mut(&mut c.body);
                                },
                            );
                        }
                        a => self.visit_expr_mut(a),
                    }
                }
                self.changed = true;
            }
            // `pts.iter().map(|p| ..)`, `.zip(ds).map(|(p, d)| ..)`, `.filter(|p| ..)`, `.fold(..)`
            // of a parameter of values: the closure's element read in place.
            syn::Expr::MethodCall(m) if self.closure_over_data(m).is_some() => {
                let (at, binds) = self.closure_over_data(m).expect("a closure over data");
                self.visit_expr_mut(&mut m.receiver);
                for (k, a) in m.args.iter_mut().enumerate() {
                    match a {
                        syn::Expr::Closure(c) if k == at => {
                            let shadowed: Vec<syn::Pat> = c.inputs.iter().cloned().collect();
                            self.scoped(
                                &shadowed,
                                |p| p.declare_in_place(&binds),
                                |p| {
                                    p.visit_expr_mut(&mut c.body);
                                },
                            );
                        }
                        a => self.visit_expr_mut(a),
                    }
                }
            }
            syn::Expr::MethodCall(m) if self.local_seq(&m.receiver).is_some() => {
                let l = self.local_seq(&m.receiver).expect("a sequence").clone();
                let first = l.parts[0].clone();
                let method = &m.method;
                let iterated =
                    matches!(unparen(&m.receiver), syn::Expr::MethodCall(i) if i.method == "iter");
                if (m.method == "len" || m.method == "is_empty") && m.args.is_empty() && !iterated {
                    *e = syn::parse_quote!(#first.#method());
                } else if let (true, true, Some(syn::Expr::Closure(c))) =
                    (iterated, m.method == "map", m.args.first())
                {
                    // `pts.iter().map(|p| ..)`: over the indices, `p` the element there.
                    let mut c = c.clone();
                    let element = match c.inputs.first() {
                        Some(syn::Pat::Ident(pi)) if c.inputs.len() == 1 => Some(pi.ident.clone()),
                        Some(syn::Pat::Reference(r)) if c.inputs.len() == 1 => match &*r.pat {
                            syn::Pat::Ident(pi) => Some(pi.ident.clone()),
                            _ => None,
                        },
                        _ => None,
                    };
                    let Some(p) = element else {
                        return self.fail_at(&m.method, "iterated in a way not followed");
                    };
                    let k = crate::naming::fresh("k");
                    let kx: syn::Expr = syn::parse_quote!(#k);
                    self.scopes.push(HashMap::new());
                    let parts = l.parts.iter().map(|q| syn::parse_quote!(#q[#kx])).collect();
                    self.declare(
                        &p,
                        Some(Local {
                            ty: l.ty,
                            parts,
                            seq: false,
                        }),
                    );
                    self.visit_expr_mut(&mut c.body);
                    self.scopes.pop();
                    let body = &c.body;
                    *e = syn::parse_quote!((0..#first.len()).map(|#k| #body));
                } else {
                    self.fail_at(&m.method, "a sequence of them with a method not followed");
                }
            }
            syn::Expr::Path(p)
                if p.path.get_ident().is_some_and(|i| {
                    self.closures.contains_key(&i.to_string()) && self.binding(i).is_none()
                }) =>
            {
                self.fail_at(e, "taken by a closure used otherwise than called");
            }
            syn::Expr::Path(_) if self.local_seq(e).is_some() => {
                self.fail_at(e, "a sequence of them used whole");
            }
            syn::Expr::MethodCall(m) => {
                let Some(own) = self.type_of(&m.receiver) else {
                    // `x.sigmoid()` of a trait of the file implemented for `f64`.
                    if let Some((f, float)) = self.float_method(m) {
                        let args: Vec<syn::Expr> = m.args.iter().cloned().collect();
                        let recv = (*m.receiver).clone();
                        let how = Callee::OfFloat(Box::new(float));
                        let made = self.inline_fn(&f, None, Some(&recv), &args, Want::Float, how);
                        match made {
                            Some((stmts, _)) => *e = syn::parse_quote!({ #(#stmts)* }),
                            None => self
                                .fail_at(&m.method, "a method of a float it cannot read in place"),
                        }
                        return;
                    }
                    return syn::visit_mut::visit_expr_mut(self, e);
                };
                let args: Vec<syn::Expr> = m.args.iter().cloned().collect();
                let recv = (*m.receiver).clone();
                match self.inline_float(own, &m.method.to_string(), Some(&recv), &args) {
                    Some(b) => *e = b,
                    None => self.fail_at(&m.method, "a method it cannot read in place (generic, returning early, one of several of that name, or taking `&mut self` where a value is read)"),
                }
            }
            syn::Expr::Call(c) => {
                // (`&mut p` lends one to be written.)
                let hands_value = c.args.iter().any(|a| match unparen(a) {
                    syn::Expr::Reference(r) if r.mutability.is_some() => {
                        self.local_of(&r.expr).is_some()
                    }
                    a => self.type_of(a).is_some(),
                });
                match self.callee(c) {
                    // An associated function of a value type, or a function of the body that
                    // takes a value: inlined (one of floats alone stays a call).
                    Some((f, own, closure)) if own.is_some() || hands_value || closure => {
                        let args: Vec<syn::Expr> = c.args.iter().cloned().collect();
                        let how = if closure {
                            Callee::Closure
                        } else {
                            Callee::Plain
                        };
                        match self.inline_fn(&f, own, None, &args, Want::Float, how) {
                            // (Giving an `Option`: its value a typed local, as `options` reads
                            // one, see `lift`.)
                            Some((mut stmts, _)) if super::option_output(&f.sig).is_some() => {
                                let ty = super::option_output(&f.sig).expect("checked");
                                let v = crate::naming::hidden("closure_value");
                                if let Some(syn::Stmt::Expr(tail, None)) = stmts.pop() {
                                    stmts.push(syn::parse_quote!(let #v: #ty = #tail;));
                                    stmts.push(syn::Stmt::Expr(syn::parse_quote!(#v), None));
                                    *e = syn::parse_quote!(({ #(#stmts)* }));
                                } else {
                                    self.fail();
                                }
                            }
                            Some((stmts, _)) => *e = syn::parse_quote!({ #(#stmts)* }),
                            None => self.fail_at(
                                &c.func,
                                "a function it cannot read in place (generic, or returning early)",
                            ),
                        }
                    }
                    // A helper copied in that takes floats only and holds values in its
                    // body (`fn fan(a: f64, ..) { let c = Vec3::new(a, ..); .. }`): inlined
                    // where its body is read in place, since what inlines it later reads no
                    // values; else the call it is (derived on its own).
                    Some((f, None, false)) if self.holds_values(&f) => {
                        let args: Vec<syn::Expr> = c.args.iter().cloned().collect();
                        let mut trial = self.clone();
                        let refused = super::take_not_followed();
                        match trial.inline_fn(&f, None, None, &args, Want::Float, Callee::Plain) {
                            Some((stmts, _)) if !trial.failed => {
                                *self = trial;
                                *e = syn::parse_quote!({ #(#stmts)* });
                            }
                            _ => {
                                super::restore_not_followed(refused);
                                syn::visit_mut::visit_expr_mut(self, e);
                            }
                        }
                    }
                    _ if hands_value => {
                        self.fail_at(&c.func, "handed whole to a function it does not read")
                    }
                    _ => syn::visit_mut::visit_expr_mut(self, e),
                }
            }
            syn::Expr::Binary(b) if op_method(&b.op).is_some() => {
                if compound(&b.op) && self.local_of(&b.left).is_some() {
                    // (Not a statement of its own: not followed.)
                    return self.fail();
                }
                let left = self.type_of(&b.left);
                if left.is_none() && self.type_of(&b.right).is_some() {
                    // (What the left side holds may say more.)
                    self.visit_expr_mut(&mut b.left);
                    return self.fail_at(
                        &b.op,
                        "the right side of an operator whose left side is a number",
                    );
                }
                let Some(own) = left.filter(|_| !compound(&b.op)) else {
                    return syn::visit_mut::visit_expr_mut(self, e);
                };
                let name = op_method(&b.op).expect("an operator");
                let (l, r) = ((*b.left).clone(), [(*b.right).clone()]);
                match self.inline_float(own, name, Some(&l), &r) {
                    Some(x) => *e = x,
                    None => self.fail_at(&b.op, "an operator it cannot read in place (implemented more than once, generic, or returning early)"),
                }
            }
            syn::Expr::Path(_) | syn::Expr::Struct(_) | syn::Expr::Unary(_)
                if self.type_of(e).is_some() =>
            {
                // A whole value where a float is read (returned, handed on): not followed.
                self.fail_at(
                    e,
                    "used whole where a number is read (returned, compared, stored)",
                );
            }
            syn::Expr::Assign(a) if self.local_of(&a.left).is_some() => self.fail(),
            syn::Expr::Closure(c) => {
                self.scopes.push(HashMap::new());
                for p in c.inputs.clone() {
                    self.shadow_pat(&p);
                }
                self.visit_expr_mut(&mut c.body);
                self.scopes.pop();
            }
            syn::Expr::ForLoop(f) => {
                // `for p in pts`, `for &p in pts.iter()`, `for (i, p) in
                // pts.iter().enumerate()`: `p` an element (its fields read in place), over a
                // local sequence of values by index.
                let (source, counted) = match unparen(&f.expr) {
                    syn::Expr::MethodCall(m) if m.method == "enumerate" && m.args.is_empty() => {
                        ((*m.receiver).clone(), true)
                    }
                    e => (e.clone(), false),
                };
                // `for (p, w) in pts.iter().zip(ws)` (either side, also `.rev()`, `.skip(k)`, ..)
                // of a local sequence of values: over its indices.
                let plain = matches!(unparen(&f.expr), syn::Expr::MethodCall(m) if m.method == "iter" || m.method == "enumerate" || m.method == "iter_mut")
                    || matches!(
                        unparen(&f.expr),
                        syn::Expr::Path(_) | syn::Expr::Reference(_)
                    );
                if let (false, Some((chain, shape))) = (plain, self.local_chain(&f.expr, false)) {
                    let original = (*f.pat).clone();
                    let mut binds = Vec::new();
                    if index_pattern(&mut f.pat, &shape, &mut binds).is_none() || binds.is_empty() {
                        return self.fail_at(&f.expr, "iterated in a way not followed");
                    }
                    *f.expr = chain;
                    self.visit_expr_mut(&mut f.expr);
                    self.scoped(
                        &[original],
                        |p| p.declare_indexed(&binds),
                        |p| {
                            p.block(&mut f.body);
                        },
                    );
                    self.changed = true;
                    return;
                }
                // `for (a, &d) in pts.iter().zip(ds)` (either side) of a parameter of values:
                // `a` an element, read in place.
                if let Some(side) = self.zipped_elements(&f.expr, &f.pat) {
                    self.visit_expr_mut(&mut f.expr);
                    let pat = (*f.pat).clone();
                    self.scoped(
                        &[pat],
                        |p| p.declare_in_place(&side),
                        |p| {
                            p.block(&mut f.body);
                        },
                    );
                    return;
                }
                let elems = self.seq_of(&source);
                let local = self.local_seq(&source).cloned();
                let pat = (*f.pat).clone();
                let element = |p: &syn::Pat| match p {
                    syn::Pat::Ident(pi) if pi.subpat.is_none() => Some(pi.ident.clone()),
                    syn::Pat::Reference(r) => match &*r.pat {
                        syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                            Some(pi.ident.clone())
                        }
                        _ => None,
                    },
                    _ => None,
                };
                let (index, name) = match (&pat, counted) {
                    (syn::Pat::Tuple(t), true) if t.elems.len() == 2 => {
                        let i = match &t.elems[0] {
                            syn::Pat::Ident(pi) if pi.subpat.is_none() => Some(pi.ident.clone()),
                            syn::Pat::Wild(_) => Some(crate::naming::fresh("k")),
                            _ => None,
                        };
                        (i, element(&t.elems[1]))
                    }
                    (p, false) => (None, element(p)),
                    _ => (None, None),
                };
                if local.is_some() && (name.is_none() || (counted && index.is_none())) {
                    return self.fail_at(&f.expr, "iterated in a way not followed");
                }
                if let (Some(l), Some(_)) = (&local, &name) {
                    // Over the indices of the fields' vectors.
                    let k = index.clone().unwrap_or_else(|| crate::naming::fresh("k"));
                    let first = &l.parts[0];
                    *f.expr = syn::parse_quote!(0..#first.len());
                    *f.pat = syn::parse_quote!(#k);
                } else {
                    self.visit_expr_mut(&mut f.expr);
                }
                self.scopes.push(HashMap::new());
                self.shadow_pat(&pat);
                if let (Some(t), Some(name)) = (elems, name) {
                    let parts = match (&local, &*f.pat) {
                        (Some(_), syn::Pat::Ident(k)) => {
                            let k: syn::Expr = syn::parse_quote!(#k);
                            self.elements(&source, &k, t)
                        }
                        _ => (0..self.types[t].fields.len())
                            .map(|j| {
                                let f = self.types[t].access(j);
                                syn::parse_quote!(#name #f)
                            })
                            .collect(),
                    };
                    self.declare(
                        &name,
                        Some(Local {
                            ty: t,
                            parts,
                            seq: false,
                        }),
                    );
                }
                self.block(&mut f.body);
                self.scopes.pop();
            }
            syn::Expr::Match(m) => {
                self.visit_expr_mut(&mut m.expr);
                for arm in &mut m.arms {
                    self.scopes.push(HashMap::new());
                    let pat = arm.pat.clone();
                    self.shadow_pat(&pat);
                    if let Some((_, g)) = &mut arm.guard {
                        self.visit_expr_mut(g);
                    }
                    self.visit_expr_mut(&mut arm.body);
                    self.scopes.pop();
                }
            }
            syn::Expr::Let(l) => {
                // (`if let P = e`: `P`'s names are the branch's; one shadowing a value local
                // is not followed.)
                self.visit_expr_mut(&mut l.expr);
                let mut names = Vec::new();
                crate::lower::collect_pat_idents(&l.pat, &mut names);
                if names.iter().any(|n| self.lookup(n).is_some()) {
                    self.fail();
                }
            }
            syn::Expr::Macro(m) => {
                if self.mentions_local(&m.mac.tokens) {
                    self.fail_at(&m.mac, "read by a macro");
                }
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.block(b);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `part[INDEX]` where `pre` only binds the index (`let k: usize = INDEX;`) that `v`
/// (`part[k]`) reads: the same element, with the index computed once.
fn indexed_once(pre: &[syn::Stmt], v: &syn::Expr) -> Option<syn::Expr> {
    let [syn::Stmt::Local(l)] = pre else {
        return None;
    };
    let syn::Pat::Type(pt) = &l.pat else {
        return None;
    };
    let syn::Pat::Ident(k) = &*pt.pat else {
        return None;
    };
    let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
    let syn::Expr::Index(ix) = v else { return None };
    if !matches!(&*ix.index, syn::Expr::Path(p) if p.path.is_ident(&k.ident)) {
        return None;
    }
    let (base, at) = (&ix.expr, &init.expr);
    Some(syn::parse_quote!(#base[#at]))
}
