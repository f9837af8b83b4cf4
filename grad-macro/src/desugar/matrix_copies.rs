//! A matrix of fixed size copied whole from a parameter or a model's field and then written, as
//! a state or a scratch matrix is started: `let mut h = *ws;` of `ws: &[[f64; 2]; 2]`, `let mut
//! h = m.ws;` of a field `ws: [[f64; 2]; 2]`.

/// The largest matrix written out element by element (rows × columns).
const MAX_ELEMENTS: usize = 64;

/// Input: `let mut h = SRC;` where `SRC` is a matrix `[[T; N]; M]` with literal sizes: `*p` or `p`
/// of a parameter of that type (or a reference to it), `p.f` / `(*p).f` / `self.f` of a field of
/// that type (the field's type read from the file, see `prescan`).
/// Output: `let mut h = [[SRC[0][0], SRC[0][1]], [SRC[1][0], SRC[1][1]]];`: a local matrix of the
/// elements, which lowering writes by index (a copy of the whole rows it does not follow).
pub fn rewrite(item: &mut syn::ItemFn) {
    let mut params: Vec<(syn::Ident, syn::Type)> = Vec::new();
    let mut receiver = None;
    for input in &item.sig.inputs {
        match input {
            syn::FnArg::Typed(pt) => {
                if let syn::Pat::Ident(id) = &*pt.pat {
                    params.push((id.ident.clone(), unref(&pt.ty).clone()));
                }
            }
            syn::FnArg::Receiver(_) => {
                receiver = crate::prescan::method_type(&item.sig.ident.to_string());
            }
        }
    }
    // (A parameter's name bound again in the body may name something else where it is copied.)
    params.retain(|(n, _)| super::declarations(&item.block, &n.to_string()) == 0);
    let structs = crate::prescan::all_structs(&item.sig.ident.to_string());
    let field_type = |owner: &syn::Type, field: &syn::Ident| -> Option<syn::Type> {
        let syn::Type::Path(p) = owner else {
            return None;
        };
        let name = p.path.segments.last()?.ident.to_string();
        let (_, fields) = structs.iter().find(|(n, _)| *n == name)?;
        let (_, ty) = fields.iter().find(|(f, _)| field == f)?;
        syn::parse_str(ty).ok()
    };
    let type_of = |e: &syn::Expr| -> Option<syn::Type> {
        match crate::desugar::unparen(e) {
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                let syn::Expr::Path(p) = crate::desugar::unparen(&u.expr) else {
                    return None;
                };
                let id = p.path.get_ident()?;
                params.iter().find(|(n, _)| n == id).map(|(_, t)| t.clone())
            }
            syn::Expr::Path(p) => {
                let id = p.path.get_ident()?;
                params.iter().find(|(n, _)| n == id).map(|(_, t)| t.clone())
            }
            syn::Expr::Field(f) => {
                let syn::Member::Named(field) = &f.member else {
                    return None;
                };
                let base = match crate::desugar::unparen(&f.base) {
                    syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                        crate::desugar::unparen(&u.expr)
                    }
                    b => b,
                };
                let syn::Expr::Path(p) = base else {
                    return None;
                };
                let id = p.path.get_ident()?;
                let owner: syn::Type = if id == "self" {
                    syn::parse_str(receiver.as_ref()?).ok()?
                } else {
                    params.iter().find(|(n, _)| n == id)?.1.clone()
                };
                field_type(&owner, field)
            }
            _ => None,
        }
    };
    let mut lets = Vec::new();
    struct Lets<'a>(&'a mut Vec<syn::Local>);
    impl<'a> syn::visit::Visit<'a> for Lets<'_> {
        fn visit_local(&mut self, l: &'a syn::Local) {
            self.0.push(l.clone());
            syn::visit::visit_local(self, l);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    syn::visit::Visit::visit_block(&mut Lets(&mut lets), &item.block);
    let mut replaced: Vec<(syn::Local, syn::Stmt)> = Vec::new();
    for l in &lets {
        let Some((id, ty, init)) = super::plain_let(l) else {
            continue;
        };
        if id.mutability.is_none() || ty.is_some_and(|t| !matches!(t, syn::Type::Array(_))) {
            continue;
        }
        let Some((rows, cols)) = type_of(init).as_ref().and_then(shape) else {
            continue;
        };
        let src = match crate::desugar::unparen(init) {
            syn::Expr::Unary(u) => (*u.expr).clone(),
            e => e.clone(),
        };
        let matrix = (0..rows).map(|i| {
            let row = (0..cols).map(|j| quote::quote!(#src[#i][#j]));
            quote::quote!([#(#row),*])
        });
        let (m, name) = (&id.mutability, &id.ident);
        let ty = ty.map(|t| quote::quote!(: #t));
        replaced.push((
            l.clone(),
            syn::parse_quote!(let #m #name #ty = [#(#matrix),*];),
        ));
    }
    if replaced.is_empty() {
        return;
    }
    struct Replace(Vec<(syn::Local, syn::Stmt)>);
    impl syn::visit_mut::VisitMut for Replace {
        fn visit_stmt_mut(&mut self, s: &mut syn::Stmt) {
            if let syn::Stmt::Local(l) = s {
                if let Some((_, new)) = self.0.iter().find(|(old, _)| old == l) {
                    *s = new.clone();
                    return;
                }
            }
            syn::visit_mut::visit_stmt_mut(self, s);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    syn::visit_mut::VisitMut::visit_block_mut(&mut Replace(replaced), &mut item.block);
}

/// `T` of `&T`, `&mut T`, or the type itself.
fn unref(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Reference(r) => &r.elem,
        t => t,
    }
}

/// The rows and columns of `[[T; N]; M]` with literal sizes, small enough to write out.
fn shape(ty: &syn::Type) -> Option<(usize, usize)> {
    let syn::Type::Array(outer) = ty else {
        return None;
    };
    let syn::Type::Array(inner) = &*outer.elem else {
        return None;
    };
    if matches!(&*inner.elem, syn::Type::Array(_)) {
        return None;
    }
    let len = super::tuples::lit_usize;
    let (rows, cols) = (len(&outer.len)?, len(&inner.len)?);
    (rows * cols <= MAX_ELEMENTS && rows > 0 && cols > 0).then_some((rows, cols))
}
