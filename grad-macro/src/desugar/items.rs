//! Items (`const`, `static`, `fn`, `use`) declared in an inner block, a closure's body or a nested
//! function's body, renamed apart. Lowering emits every item of the body once, at the top of the
//! generated function, where two inner items of one name would collide and an inner item would
//! change what its name means outside its block; with a name of its own each keeps its scope.

use proc_macro2::Ident;
use syn::visit_mut::VisitMut;

/// Renames the items of every block below `body`'s own (whose items already have the whole
/// function as their scope), innermost first, with their uses.
pub fn scope_items(body: &mut syn::Block) {
    for st in &mut body.stmts {
        Scopes.visit_stmt_mut(st);
    }
}

struct Scopes;

impl VisitMut for Scopes {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, b);
        for (from, to) in declared(b) {
            // A local that shadows a function would be renamed with it: such a block is left
            // as written. (A constant cannot be shadowed: a pattern of its name is the constant.)
            let constant = !from.to_string().chars().any(char::is_lowercase);
            if !constant && binds_local(b, &from) {
                continue;
            }
            rename_item(b, &from, &to);
            Uses {
                from: &from,
                to: &to,
            }
            .visit_block_mut(b);
        }
    }
}

/// The names the items directly in `b` declare, each with the name it takes.
fn declared(b: &syn::Block) -> Vec<(Ident, Ident)> {
    let mut out = Vec::new();
    for s in &b.stmts {
        let syn::Stmt::Item(item) = s else { continue };
        match item {
            syn::Item::Const(c) => out.push(constant(&c.ident)),
            syn::Item::Static(c) => out.push(constant(&c.ident)),
            syn::Item::Fn(f) => {
                let to = crate::naming::fresh(&f.sig.ident.to_string());
                out.push((f.sig.ident.clone(), to));
            }
            syn::Item::Use(u) => use_names(&u.tree, &mut out),
            _ => {}
        }
    }
    out
}

/// An upper-case name for a constant (so that the `non_upper_case_globals` lint stays quiet).
fn constant(from: &Ident) -> (Ident, Ident) {
    let to = crate::naming::fresh(&from.to_string());
    let upper = Ident::new(&to.to_string().to_uppercase(), from.span());
    (from.clone(), upper)
}

fn use_names(t: &syn::UseTree, out: &mut Vec<(Ident, Ident)>) {
    match t {
        syn::UseTree::Path(p) => use_names(&p.tree, out),
        syn::UseTree::Name(n) if n.ident != "self" => out.push(imported(&n.ident)),
        syn::UseTree::Rename(r) => out.push(imported(&r.rename)),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| use_names(t, out)),
        _ => {}
    }
}

/// An imported name keeps its case: it may be a type, a function or a constant.
fn imported(from: &Ident) -> (Ident, Ident) {
    let to = crate::naming::fresh(&from.to_string());
    let to = if from.to_string().chars().any(char::is_lowercase) {
        to
    } else {
        Ident::new(&to.to_string().to_uppercase(), from.span())
    };
    (from.clone(), to)
}

/// The declaration of `from` in `b` as `to`.
fn rename_item(b: &mut syn::Block, from: &Ident, to: &Ident) {
    for s in &mut b.stmts {
        let syn::Stmt::Item(item) = s else { continue };
        match item {
            syn::Item::Const(c) if c.ident == *from => c.ident = to.clone(),
            syn::Item::Static(c) if c.ident == *from => c.ident = to.clone(),
            syn::Item::Fn(f) if f.sig.ident == *from => f.sig.ident = to.clone(),
            syn::Item::Use(u) => rename_use(&mut u.tree, from, to),
            _ => {}
        }
    }
}

fn rename_use(t: &mut syn::UseTree, from: &Ident, to: &Ident) {
    match t {
        syn::UseTree::Path(p) => rename_use(&mut p.tree, from, to),
        syn::UseTree::Name(n) if n.ident == *from => {
            *t = syn::UseTree::Rename(syn::UseRename {
                ident: n.ident.clone(),
                as_token: Default::default(),
                rename: to.clone(),
            });
        }
        syn::UseTree::Rename(r) if r.rename == *from => r.rename = to.clone(),
        syn::UseTree::Group(g) => g.items.iter_mut().for_each(|t| rename_use(t, from, to)),
        _ => {}
    }
}

/// Whether a pattern in `b` (at any depth) binds `name` as a local.
fn binds_local(b: &syn::Block, name: &Ident) -> bool {
    struct Binds<'a> {
        name: &'a Ident,
        found: bool,
    }
    impl syn::visit::Visit<'_> for Binds<'_> {
        fn visit_pat_ident(&mut self, p: &syn::PatIdent) {
            self.found |= p.ident == *self.name;
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut v = Binds { name, found: false };
    syn::visit::Visit::visit_block(&mut v, b);
    v.found
}

/// Every path that starts with `from` (no leading `::`), in expressions, types, patterns and
/// macro arguments, as starting with `to`. Blocks inside that declare `from` again were renamed
/// before (innermost first), so what still says `from` there means this item.
struct Uses<'a> {
    from: &'a Ident,
    to: &'a Ident,
}

impl VisitMut for Uses<'_> {
    fn visit_path_mut(&mut self, p: &mut syn::Path) {
        if p.leading_colon.is_none() {
            if let Some(first) = p.segments.first_mut() {
                if first.ident == *self.from {
                    first.ident = self.to.clone();
                }
            }
        }
        syn::visit_mut::visit_path_mut(self, p);
    }

    fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
        // `C => ..` with `C` a constant: a path pattern, not a binding (a function's name bound
        // by a local is left alone, see `binds_local`).
        if p.ident == *self.from && p.subpat.is_none() && p.by_ref.is_none() {
            p.ident = self.to.clone();
        }
        syn::visit_mut::visit_pat_ident_mut(self, p);
    }

    fn visit_item_use_mut(&mut self, _: &mut syn::ItemUse) {}

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // An item read inside a format string (`"{C}"`) is not reached (a known gap).
        let mut in_format = false;
        m.tokens = super::sub_slices::rename_tokens(
            m.tokens.clone(),
            &self.from.to_string(),
            self.to,
            &mut in_format,
        );
    }
}
