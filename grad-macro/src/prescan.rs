//! The `#[gradient]` functions of the file being compiled, read before the first of them expands.
//!
//! A caller learns some facts about a callee only from the callee's signature: that a helper
//! returns a vector (`let d = sub3(b, a); dot3(d, d)`, `d` passed on by value only), or that one
//! of its parameters is a model (`dense(&m.hidden, x)`: a field's type is invisible to the
//! caller). Each expansion registers its own signature (`vector_calls::register`,
//! `model_calls::register`), but rustc expands attributes in source order, so a helper defined
//! below its caller would come too late. Reading the whole file (its path is known to the macro
//! since Rust 1.88) registers every annotated free function of it first, whatever the order; a
//! helper in another file is still known only once it has expanded.
//!
//! The registration is the expansion's own (the same functions compute it), so reading a
//! function twice agrees with itself; a file that cannot be read or parsed adds nothing.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

thread_local! {
    /// The files read so far, with the length and modification time they had (an editor's
    /// long-lived macro server sees a file change between expansions).
    static READ: RefCell<HashMap<PathBuf, (u64, Option<std::time::SystemTime>)>> =
        RefCell::new(HashMap::new());
    /// The modules of each file read: what `plain_helpers` needs to find a caller's helpers.
    static MODULES: RefCell<HashMap<PathBuf, Vec<Module>>> = RefCell::new(HashMap::new());
    /// The file of the expansion under way (none in unit tests, which have no compiler).
    static CURRENT: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
    /// The hand-written rules beside the function being expanded ([`note_rules`]).
    static RULES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// One module of a file (the file's own items, or an inline `mod`): the names of its
/// `#[gradient]` functions and methods, and its other free functions as written.
#[derive(Default)]
struct Module {
    /// The inline modules from the file's top down to this one.
    path: Vec<String>,
    /// Whether it imports its parent's items (`use super::*;`, as a `mod tests` does).
    glob_super: bool,
    annotated: Vec<String>,
    /// The free `#[gradient]` functions taking closures (or functions, `fn(f64) -> f64`).
    closure_takers: Vec<String>,
    /// The free `#[gradient]` functions returning a float (`f64`, `f32`, a type parameter).
    float_valued: Vec<String>,
    /// Free functions without `#[gradient]`, each printed (tokens cannot outlive an expansion).
    plain: Vec<(String, String)>,
    /// The `#[gradient]` methods: name, signature and body, and the `impl`'s type (printed).
    annotated_methods: Vec<(String, String, String)>,
    /// Methods taking `&self` without `#[gradient]` of `impl`s (inherent or of a trait):
    /// `(type, name, source)`, the method printed as a free function would be (generic over a
    /// generic `impl`'s parameters too).
    methods: Vec<(String, String, String)>,
    /// Methods taking `&mut self` without `#[gradient]` of non-generic `impl`s (`fn
    /// add_assign(&mut self, o: V2)`): `(type, name, source)` as for `methods`.
    mut_methods: Vec<(String, String, String)>,
    /// The structs deriving `Default`.
    defaults: Vec<String>,
    /// Every method without `#[gradient]` of an `impl` or a trait (with a body), by name.
    unannotated_methods: Vec<String>,
    /// The names its items and imports declare: what a bare name in one of its functions may
    /// mean that it would not mean elsewhere.
    names: Vec<String>,
    /// Its imports (`use a::b::c;`, `use m::{f, g as h};`): the name and the path it stands for.
    uses: Vec<(String, Vec<String>)>,
    /// Its structs and enums that are no model: no `#[derive(Params)]` nor `impl Params for`.
    data_types: Vec<String>,
    /// Its enums.
    enums: Vec<String>,
    /// The module files it declares (`mod layers;`), by name.
    files: Vec<(String, PathBuf)>,
    /// Those of `names` its items declare with a visibility (`pub`, `pub(crate)`, ..): what
    /// another module may name by a path.
    public: Vec<String>,
    /// Its hand-written rules (`#[custom_gradient] fn erf_grad`), by name.
    rules: Vec<String>,
    /// The structs with named fields, generic ones too (their fields' types naming the
    /// parameters): name, and each field's name and type (printed).
    generic_structs: Vec<(String, Vec<(String, String)>)>,
    /// The type parameters of each struct with named fields (`V2<T>`: `T`).
    struct_params: Vec<(String, Vec<String>)>,
    /// The tuple structs without type parameters (`struct P2(f64, f64);`): name, and each
    /// field's type (printed).
    tuple_structs: Vec<(String, Vec<String>)>,
    /// The unit structs (`struct Mse;`).
    unit_structs: Vec<String>,
    /// Its `const` and `static` items: name and type (printed).
    consts: Vec<(String, String)>,
    /// The fields marked `#[params(skip)]`: struct and field names.
    skipped: Vec<(String, String)>,
    /// The methods marked `#[gradient]` inside a trait's `impl` that is not marked itself, where
    /// what the attribute adds cannot go.
    in_trait_impls: Vec<String>,
    /// The methods marked `#[gradient]` anywhere else, by name.
    elsewhere: Vec<String>,
}

/// The names `tree` imports, each with the path it stands for (not globs).
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident == "self" => {
            if let Some(last) = prefix.last() {
                out.push((last.clone(), prefix.clone()));
            }
        }
        syn::UseTree::Name(n) => {
            let mut full = prefix.clone();
            full.push(n.ident.to_string());
            out.push((n.ident.to_string(), full));
        }
        syn::UseTree::Rename(r) => {
            let mut full = prefix.clone();
            full.push(r.ident.to_string());
            out.push((r.rename.to_string(), full));
        }
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| use_paths(t, prefix, out)),
        syn::UseTree::Glob(_) => {}
    }
}

/// The name an item declares in its module, and the visibility it declares it with (`None` for
/// a `macro_rules!`).
fn item_name(item: &syn::Item) -> Option<(String, Option<&syn::Visibility>)> {
    let (name, vis) = match item {
        syn::Item::Fn(f) => (&f.sig.ident, &f.vis),
        syn::Item::Const(c) => (&c.ident, &c.vis),
        syn::Item::Static(s) => (&s.ident, &s.vis),
        syn::Item::Struct(s) => (&s.ident, &s.vis),
        syn::Item::Enum(e) => (&e.ident, &e.vis),
        syn::Item::Type(t) => (&t.ident, &t.vis),
        syn::Item::Trait(t) => (&t.ident, &t.vis),
        syn::Item::Union(u) => (&u.ident, &u.vis),
        syn::Item::Mod(m) => (&m.ident, &m.vis),
        syn::Item::Macro(m) => return Some((m.ident.as_ref()?.to_string(), None)),
        _ => return None,
    };
    Some((name.to_string(), Some(vis)))
}

/// Registers the annotated free functions of the file that holds `span`, once per version of it.
pub fn file_of(span: proc_macro::Span) {
    let path = span.local_file();
    if let Some(path) = &path {
        file(path);
    }
    CURRENT.with(|c| *c.borrow_mut() = path);
    RULES.with(|r| r.borrow_mut().clear());
}

/// [`file_of`] for a path (the dump test, which has no compiler and so no span of a file).
#[cfg(test)]
pub fn file_at(path: &std::path::Path) {
    file(path);
    CURRENT.with(|c| *c.borrow_mut() = Some(path.to_path_buf()));
}

/// The methods taking `&self` without `#[gradient]` of the module of `caller` (see
/// [`plain_functions`]), each `(type, name, source)`, and the type of the `impl` that holds
/// `caller` when it is a method.
/// `read` of the module of the file being expanded that holds the `#[gradient]` function or
/// method `caller` (with every module of the file), when exactly one does.
fn home<R>(caller: &str, read: impl FnOnce(&Module, &[Module]) -> R) -> Option<R> {
    let caller = written_name(caller);
    let path = CURRENT.with(|c| c.borrow().clone())?;
    MODULES.with(|m| {
        let m = m.borrow();
        let modules = m.get(&path)?;
        // (The function made for a call of a helper with closures, `grad_inline_CALLER_HELPER_K`
        // (see `closure_calls`), is at home where its caller is: its closures call what the
        // caller sees.)
        let spec_of = |a: &str| {
            caller
                .strip_prefix("grad_inline_")
                .map(|r| {
                    r.strip_prefix("__grad_rows_")
                        .or_else(|| r.strip_prefix("__grad_fields_"))
                        .unwrap_or(r)
                })
                .and_then(|r| r.strip_prefix(a))
                .map(|r| r.strip_prefix("__all").unwrap_or(r))
                .and_then(|r| r.strip_prefix('_'))
                .and_then(|r| r.rsplit_once('_'))
                .is_some_and(|(h, k)| !h.is_empty() && k.parse::<usize>().is_ok())
        };
        let mut homes = modules
            .iter()
            .filter(|md| md.annotated.iter().any(|a| a == caller || spec_of(a)));
        match (homes.next(), homes.next()) {
            (Some(home), None) => return Some(read(home, modules)),
            (Some(_), Some(_)) => return None,
            _ => {}
        }
        // (A helper without `#[gradient]` derived as one, in an expansion of its own, is at
        // home where it is declared: its calls of helpers taking closures are followed there.)
        let mut homes = modules
            .iter()
            .filter(|md| md.plain.iter().any(|(p, _)| p == caller || spec_of(p)));
        match (homes.next(), homes.next()) {
            (Some(home), None) => Some(read(home, modules)),
            _ => None,
        }
    })
}

/// Whether `name` is a free `#[gradient]` function returning a float of the module of `caller`
/// (its callers' `let mut a = name(x);` is a number, whatever they do with it).
pub fn annotated_float(caller: &str, name: &str) -> bool {
    home(caller, |home, _| {
        home.float_valued.iter().any(|a| a == name)
    })
    .unwrap_or(false)
}

/// Whether `name` is a `#[gradient]` function of the module of `caller` that takes closures
/// (its calls are followed where they give it closures or functions by their paths).
pub fn closure_taker_beside(caller: &str, name: &str) -> bool {
    home(caller, |home, _| {
        home.closure_takers.iter().any(|a| a == name)
    })
    .unwrap_or(false)
}

/// Whether `name` is a `#[gradient]` function of the module of `caller`: one followed into as
/// a helper all the same (it takes a tuple, or refills a `Vec` it is lent: see `items`).
pub fn annotated_beside(caller: &str, name: &str) -> bool {
    home(caller, |home, _| home.annotated.iter().any(|a| a == name)).unwrap_or(false)
}

/// The name the user gave the function the expansion's inner function `caller` derives (the
/// rows' rewrite `__grad_rows_NAME`, the models' `__grad_fields_NAME__all`): the file has
/// only that one.
fn written_name(caller: &str) -> &str {
    let mut name = caller;
    loop {
        let inner = name
            .strip_prefix("__grad_rows_")
            .or_else(|| name.strip_prefix("__grad_fields_"))
            .map(|n| n.strip_suffix("__all").unwrap_or(n));
        match inner {
            Some(n) if !n.is_empty() => name = n,
            _ => return name,
        }
    }
}

/// The structs of every module of the file being expanded (generic ones too), for an expansion
/// whose function the file does not declare (a helper's copy derived on its own).
pub fn file_structs() -> Vec<(String, Vec<(String, String)>)> {
    with_modules(|modules| {
        modules
            .iter()
            .flat_map(|md| md.generic_structs.iter().cloned())
            .collect()
    })
}

/// The tuple structs of the file being expanded (`struct P2(f64, f64);`, not generic): name,
/// and each field's type (printed).
pub fn file_tuple_structs() -> Vec<(String, Vec<String>)> {
    with_modules(|modules| {
        modules
            .iter()
            .flat_map(|md| md.tuple_structs.iter().cloned())
            .collect()
    })
}

/// The type of the `const` or `static` item `name` of the module of `caller` (`const DATA:
/// [(f64, f64); 3]`), where its module has one.
pub fn const_type(caller: &str, name: &str) -> Option<syn::Type> {
    let ty = home(caller, |home, _| {
        home.consts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
    })??;
    syn::parse_str(&ty).ok()
}

/// Whether `name` is a unit struct of the file being expanded (`struct Mse;`).
pub fn unit_struct(name: &str) -> bool {
    with_modules(|modules| {
        modules
            .iter()
            .any(|md| md.unit_structs.iter().any(|n| n == name))
    })
}

/// The type parameters of the struct `name` of the file being expanded (`V2<T>`: `T`), when
/// one module has it.
pub fn struct_type_params(name: &str) -> Option<Vec<String>> {
    let mut found: Vec<Vec<String>> = with_modules(|modules| {
        modules
            .iter()
            .flat_map(|md| md.struct_params.iter())
            .filter(|(n, _)| n == name)
            .map(|(_, ps)| ps.clone())
            .collect()
    });
    (found.len() == 1).then(|| found.remove(0))
}

/// `read` of the modules of the file being expanded (the default where it was not read).
fn with_modules<R: Default>(read: impl FnOnce(&[Module]) -> R) -> R {
    let Some(path) = CURRENT.with(|c| c.borrow().clone()) else {
        return R::default();
    };
    MODULES.with(|m| {
        m.borrow()
            .get(&path)
            .map_or_else(R::default, |modules| read(modules))
    })
}

/// The source of the method `name` without `#[gradient]` of the type called `ty` (its own name,
/// `Point`), printed as a free function taking the receiver, when exactly one module of the file
/// being expanded has one.
pub fn file_method(ty: &str, name: &str) -> Option<String> {
    only(sources(ty, name, |md| &md.methods))
}

/// Whether the struct `name` of the file being expanded derives `Default`.
pub fn derives_default(name: &str) -> bool {
    with_modules(|modules| {
        modules
            .iter()
            .any(|md| md.defaults.iter().any(|n| n == name))
    })
}

/// The sources of every method `name` without `#[gradient]` of the type called `ty` in the file
/// being expanded (several `impl Mul<..> for f64`).
pub fn file_methods(ty: &str, name: &str) -> Vec<String> {
    sources(ty, name, |md| &md.methods)
}

/// The source of the method `name` taking `&mut self` without `#[gradient]` of the type called
/// `ty`, when exactly one `impl` of the file being expanded has one (as [`file_method`]).
pub fn file_mut_method(ty: &str, name: &str) -> Option<String> {
    only(sources(ty, name, |md| &md.mut_methods))
}

/// The types of the generic `impl`s of the struct `base` in the file being expanded, as
/// printed (`V2 < U >` of `impl<U: Float> V2<U>`), each once.
pub fn generic_impl_types(base: &str) -> Vec<String> {
    let prefix = format!("{base} <");
    let mut out: Vec<String> = with_modules(|modules| {
        modules
            .iter()
            .flat_map(|md| md.methods.iter().chain(&md.mut_methods))
            .filter(|(t, ..)| t.starts_with(&prefix))
            .map(|(t, ..)| t.clone())
            .collect()
    });
    out.sort();
    out.dedup();
    out
}

/// The sources of the methods `name` of the type `ty` in the lists `of` of the modules of the
/// file being expanded.
fn sources(
    ty: &str,
    name: &str,
    of: impl Fn(&Module) -> &Vec<(String, String, String)>,
) -> Vec<String> {
    with_modules(|modules| {
        modules
            .iter()
            .flat_map(|md| {
                of(md)
                    .iter()
                    .filter(|(t, n, _)| t == ty && n == name)
                    .map(|(.., src)| src.clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    })
}

/// The one element of `v`, if it has exactly one.
fn only(mut v: Vec<String>) -> Option<String> {
    (v.len() == 1).then(|| v.remove(0))
}

/// The types of the `impl`s of the module of `name` that hold a `#[gradient]` method `name`
/// (printed).
pub fn method_types(name: &str) -> Vec<String> {
    home(name, |home, _| {
        home.annotated_methods
            .iter()
            .filter(|(n, ..)| n == name)
            .map(|(.., t)| t.clone())
            .collect()
    })
    .unwrap_or_default()
}

/// The type of the `impl` that holds the `#[gradient]` method `name`, when one `impl` of the
/// module of `name` does (whatever its body has become since).
pub fn method_type(name: &str) -> Option<String> {
    home(name, |home, _| {
        let mut types = home
            .annotated_methods
            .iter()
            .filter(|(n, ..)| n == name)
            .map(|(.., t)| t.clone());
        match (types.next(), types.next()) {
            (Some(t), None) => Some(t),
            _ => None,
        }
    })
    .flatten()
}

/// Whether the field `field` of the struct `ty` of the file being expanded is marked
/// `#[params(skip)]` (data, whatever its type).
pub fn skipped_field(ty: &str, field: &str) -> bool {
    let Some(path) = CURRENT.with(|c| c.borrow().clone()) else {
        return false;
    };
    MODULES.with(|m| {
        m.borrow().get(&path).is_some_and(|modules| {
            modules
                .iter()
                .any(|md| md.skipped.iter().any(|(t, f)| t == ty && f == field))
        })
    })
}

/// The structs of the module of `caller`, generic ones too (`struct Cell<T> { ws: [[T; 2]; 3]
/// }`): name → fields (name, type printed).
pub fn all_structs(caller: &str) -> Vec<(String, Vec<(String, String)>)> {
    home(caller, |home, _| home.generic_structs.clone()).unwrap_or_default()
}

pub fn plain_methods(caller: &syn::ItemFn) -> (Option<String>, Vec<(String, String, String)>) {
    let (sig, block) = (&caller.sig, &caller.block);
    let written = quote::quote!(#sig #block).to_string();
    let name = caller.sig.ident.to_string();
    home(&name, |home, _| {
        // (Methods of one name in several `impl`s: the one written so.)
        let mut types = home
            .annotated_methods
            .iter()
            .filter(|(n, s, _)| *n == name && *s == written)
            .map(|(.., t)| t.clone());
        let own = match (types.next(), types.next()) {
            (Some(t), None) => Some(t),
            _ => None,
        };
        // (A body rewritten before, `&self.layers[..k]` taken apart: the one of that name,
        // when one `impl` has it.)
        let own = own.or_else(|| {
            let mut named = home
                .annotated_methods
                .iter()
                .filter(|(n, ..)| *n == name)
                .map(|(.., t)| t.clone());
            match (named.next(), named.next()) {
                (Some(t), None) => Some(t),
                _ => None,
            }
        });
        (own, home.methods.clone())
    })
    .unwrap_or_default()
}

/// The free functions without `#[gradient]` that the function or method `caller` of the file
/// being expanded sees by their bare names: those of its own module, then (under `use
/// super::*;`) of the module above, each `(name, source)`. Nothing when the file was not read or
/// `caller` is not found in exactly one module of it (a function a macro wrote, a name two
/// modules share).
pub fn plain_functions(caller: &str) -> Vec<(String, String)> {
    home(caller, |home, modules| {
        let mut out = home.plain.clone();
        if home.glob_super && !home.path.is_empty() {
            let parent = &home.path[..home.path.len() - 1];
            if let Some(up) = modules.iter().find(|md| md.path == parent) {
                let own = |n: &str| {
                    home.plain.iter().any(|(p, _)| p == n) || home.annotated.iter().any(|a| a == n)
                };
                out.extend(up.plain.iter().filter(|(n, _)| !own(n)).cloned());
            }
        }
        // A function with a hand-written derivative beside it (`#[custom_gradient] fn
        // NAME_grad`) is called through that rule.
        let ruled: Vec<String> = out
            .iter()
            .filter_map(|(n, _)| n.strip_suffix("_grad").map(str::to_string))
            .collect();
        out.retain(|(n, _)| !ruled.contains(n));
        out
    })
    .unwrap_or_default()
}

/// The hand-written rules (`#[custom_gradient] fn erf_grad`) the function or method `caller` of
/// the file being expanded sees by their bare names (its module's, and under `use super::*;` the
/// module above's): a call of `libm::erf` by its path uses the rule `erf_grad` written beside it.
fn rules_beside(caller: &str) -> Vec<String> {
    home(caller, |home, modules| {
        let mut out = home.rules.clone();
        if home.glob_super && !home.path.is_empty() {
            let parent = &home.path[..home.path.len() - 1];
            if let Some(up) = modules.iter().find(|md| md.path == parent) {
                out.extend(up.rules.iter().cloned());
            }
        }
        out
    })
    .unwrap_or_default()
}

/// Whether the `#[gradient]` method `name` of the file being expanded sits in a trait's `impl`
/// that is not marked itself (and no method or function of that name is marked elsewhere in the
/// file): its `NAME_grad` cannot be added there.
pub fn in_trait_impl(name: &str) -> bool {
    let Some(current) = CURRENT.with(|c| c.borrow().clone()) else {
        return false;
    };
    MODULES.with(|m| {
        m.borrow().get(&current).is_some_and(|modules| {
            let all = || modules.iter();
            all().any(|md| md.in_trait_impls.iter().any(|n| n == name))
                && !all().any(|md| {
                    md.elsewhere.iter().any(|n| n == name)
                        || (md.annotated.iter().filter(|n| *n == name).count()
                            > md.in_trait_impls.iter().filter(|n| *n == name).count())
                })
        })
    })
}

/// Notes [`rules_beside`] `caller` for the rest of this expansion: the functions it derives
/// (a model's flat form, rows' copies) have names the file does not hold, and the same rules.
pub fn note_rules(caller: &str) {
    let found = rules_beside(caller);
    if !found.is_empty() {
        RULES.with(|r| *r.borrow_mut() = found);
    }
}

/// Forgets the rules noted by an earlier expansion (an expansion that reads no file: a helper's
/// specialization, a rule's own).
pub fn forget_rules() {
    RULES.with(|r| r.borrow_mut().clear());
}

/// The rules [`note_rules`] noted for the expansion under way.
pub fn rules() -> Vec<String> {
    RULES.with(|r| r.borrow().clone())
}

/// A free function without `#[gradient]` of a module of the file being expanded, named from
/// the module of `caller` by `path` (`act::relu`, `super::relu`, `self::relu`, `crate::act::relu`
/// in a crate's root file), or by a bare name its module imports (`use act::relu;`): its source,
/// the names its module declares (which its body reads differently from anywhere else) and the
/// path to that module. `None` for anything else (a function of another file or crate, a
/// `#[gradient]` one).
pub fn module_function(caller: &str, path: &[String]) -> Option<ModuleFunction> {
    let current = CURRENT.with(|c| c.borrow().clone())?;
    // A hand-written rule (`#[custom_gradient] fn NAME_grad`) beside the call, or beside the
    // function, is used instead.
    let ruled = |md: &Module, name: &str| {
        let rule = format!("{name}_grad");
        md.plain.iter().any(|(n, _)| *n == rule) || md.annotated.contains(&rule)
    };
    let (home_path, path) = home(caller, |home, _| {
        let path = match path {
            [name] if ruled(home, name) => return None,
            [name] => home.uses.iter().find(|(n, _)| n == name)?.1.clone(),
            // `special::erf(x)` with `#[custom_gradient] fn erf_grad` beside the caller.
            [.., name] if home.rules.contains(&format!("{name}_grad")) => return None,
            p => p.to_vec(),
        };
        Some((home.path.clone(), path))
    })
    .flatten()?;
    let (name, dirs) = path.split_last()?;
    // Where the walk is: a file, and an inline module's path in it.
    let (mut file_at, mut at) = (current.clone(), home_path);
    for (k, seg) in dirs.iter().enumerate() {
        match seg.as_str() {
            "self" if k == 0 => {}
            "super" if k == 0 || dirs[..k].iter().all(|s| s == "super") => {
                if at.pop().is_none() {
                    // From a module file beside the crate's root (`src/loss.rs`): the root.
                    let root = crate_root(&file_at)?;
                    if root == file_at || root.parent() != file_at.parent() {
                        return None;
                    }
                    file(&root);
                    file_at = root;
                }
            }
            "crate" if k == 0 => {
                file_at = crate_root(&current)?;
                file(&file_at);
                at.clear();
            }
            "crate" | "self" | "super" => return None,
            m => {
                // An inline module, or a module file its module declares (`mod layers;`).
                let below: Option<PathBuf> = MODULES.with(|all| {
                    let all = all.borrow();
                    let modules = all.get(&file_at)?;
                    let mut inner = at.clone();
                    inner.push(m.to_string());
                    if modules.iter().any(|md| md.path == inner) {
                        return None;
                    }
                    let here = modules.iter().find(|md| md.path == at)?;
                    here.files
                        .iter()
                        .find(|(n, _)| n == m)
                        .map(|(_, f)| f.clone())
                });
                match below {
                    Some(f) => {
                        file_at = f;
                        at.clear();
                    }
                    None => at.push(m.to_string()),
                }
            }
        }
    }
    MODULES.with(|all| {
        let all = all.borrow();
        let module = all.get(&file_at)?.iter().find(|md| md.path == at)?;
        if module.annotated.iter().any(|a| a == name) || ruled(module, name) {
            return None;
        }
        let (_, src) = module.plain.iter().find(|(n, _)| n == name)?;
        Some(ModuleFunction {
            src: src.clone(),
            names: module.names.clone(),
            public: module.public.clone(),
            module: dirs.to_vec(),
        })
    })
}

/// A helper of another module found by [`module_function`].
pub struct ModuleFunction {
    /// The function, printed.
    pub src: String,
    /// The names its module's items and imports declare.
    pub names: Vec<String>,
    /// Those it declares with a visibility.
    pub public: Vec<String>,
    /// The path of its module from the caller's (as the call or the import wrote it).
    pub module: Vec<String>,
}

/// The root file of the crate that holds `file`: itself when it is one (`main.rs`, `lib.rs`, a
/// file of `src/bin`, `tests`, `examples` or `benches`), else the `lib.rs` or `main.rs` of the
/// nearest `src` directory above it (evidence only, as everything here).
fn crate_root(file: &std::path::Path) -> Option<PathBuf> {
    let name = file.file_name().and_then(|n| n.to_str());
    let targets = ["src/bin", "tests", "examples", "benches"];
    if matches!(name, Some("main.rs" | "lib.rs"))
        || file
            .parent()
            .is_some_and(|d| targets.iter().any(|t| d.ends_with(t)))
    {
        return Some(file.to_path_buf());
    }
    let src = file.ancestors().find(|d| d.ends_with("src"))?;
    ["lib.rs", "main.rs"]
        .iter()
        .map(|n| src.join(n))
        .find(|p| p.is_file())
}

/// Whether the struct or enum `name` is declared in the file being expanded as data: neither
/// deriving nor implementing `Params` (a parameter of that type is no model).
pub fn data_type(name: &str) -> bool {
    let path = CURRENT.with(|c| c.borrow().clone());
    MODULES.with(|m| {
        let m = m.borrow();
        let Some(modules) = path.and_then(|p| m.get(&p)) else {
            return false;
        };
        modules
            .iter()
            .any(|md| md.data_types.iter().any(|t| t == name))
    })
}

/// Whether the enum `name` is declared in the file being expanded.
pub fn enum_type(name: &str) -> bool {
    let path = CURRENT.with(|c| c.borrow().clone());
    MODULES.with(|m| {
        let m = m.borrow();
        path.and_then(|p| m.get(&p))
            .is_some_and(|modules| modules.iter().any(|md| md.enums.iter().any(|t| t == name)))
    })
}

/// Whether a method called `name` is defined in the files read without `#[gradient]` (in an
/// `impl` or as a trait's default) and nowhere with it: a call of it on a model is one that
/// `plain_methods` could not follow.
pub fn unfollowed_method(name: &str) -> bool {
    MODULES.with(|m| {
        let m = m.borrow();
        let all = || m.values().flatten();
        all().any(|md| md.unannotated_methods.iter().any(|n| n == name))
            && !all().any(|md| md.annotated.iter().any(|n| n == name))
    })
}

/// Registers the annotated free functions of the file at `path` and of the module files it
/// declares (`mod layers;`), once per version of each.
fn file(path: &std::path::Path) {
    let path = path.to_path_buf();
    let Ok(meta) = std::fs::metadata(&path) else {
        return;
    };
    let stamp = (meta.len(), meta.modified().ok());
    let fresh = READ.with(|r| r.borrow_mut().insert(path.clone(), stamp) != Some(stamp));
    if !fresh {
        return;
    }
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    if let Ok(mut parsed) = syn::parse_file(&text) {
        // (The helpers' bodies are inlined and renamed: see `naming::write_out_fields`.)
        crate::naming::write_out_fields(&mut parsed);
        let mut modules = Vec::new();
        items(&parsed.items, &path, &mut modules, Vec::new(), false);
        MODULES.with(|m| m.borrow_mut().insert(path, modules));
    }
}

/// Registers the annotated free functions among `items` of the file at `path`, in inline modules
/// and module files too, and notes each module's functions in `modules`.
fn items(
    items: &[syn::Item],
    path: &std::path::Path,
    modules: &mut Vec<Module>,
    module: Vec<String>,
    glob_super: bool,
) {
    let mut here = Module {
        path: module,
        glob_super,
        ..Module::default()
    };
    // The default methods of the module's traits taking `&self`, by trait: an `impl` that does
    // not write one has it (`Self` its type).
    let defaults: Vec<(String, &syn::TraitItemFn)> = items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Trait(t) if t.generics.params.is_empty() => Some(t),
            _ => None,
        })
        .flat_map(|t| {
            t.items.iter().filter_map(move |i| match i {
                syn::TraitItem::Fn(f) if f.default.is_some() => Some((t.ident.to_string(), f)),
                _ => None,
            })
        })
        .collect();
    let derives = |attrs: &[syn::Attribute], what: &str| {
        attrs.iter().any(|a| {
            a.path().is_ident("derive")
                && crate::naming::mentions(quote::ToTokens::to_token_stream(a), &|i| i == what)
        })
    };
    let implements_params = |name: &syn::Ident| {
        items.iter().any(|i| {
            matches!(i, syn::Item::Impl(imp)
                if imp.trait_.as_ref().is_some_and(|(_, p, _)| p.segments.last().is_some_and(|s| s.ident == "Params"))
                    && matches!(&*imp.self_ty, syn::Type::Path(t) if t.path.is_ident(name)))
        })
    };
    here.data_types = items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Struct(s) => Some((&s.ident, &s.attrs)),
            syn::Item::Enum(e) => Some((&e.ident, &e.attrs)),
            _ => None,
        })
        .filter(|(id, attrs)| !derives(attrs, "Params") && !implements_params(id))
        .map(|(id, _)| id.to_string())
        .collect();
    here.enums = items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    // The types deriving `Copy`, whose methods taking `self` by value read a copy.
    let derives_copy = |attrs: &[syn::Attribute]| derives(attrs, "Copy");
    let copy_types: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Struct(s) if derives_copy(&s.attrs) => Some(s.ident.to_string()),
            syn::Item::Enum(e) if derives_copy(&e.attrs) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    for item in items {
        if let Some((name, vis)) = item_name(item) {
            if vis.is_some_and(|v| !matches!(v, syn::Visibility::Inherited)) {
                here.public.push(name.clone());
            }
            here.names.push(name);
        }
        if let syn::Item::Use(u) = item {
            let mut found = Vec::new();
            use_paths(&u.tree, &mut Vec::new(), &mut found);
            here.names.extend(found.iter().map(|(n, _)| n.clone()));
            here.uses.extend(found);
        }
        match item {
            syn::Item::Fn(f) => {
                if let Some(args) = gradient_args(&f.attrs) {
                    register(&args, f);
                    here.annotated.push(f.sig.ident.to_string());
                    if crate::closure_calls::takes_closures(&f.sig) {
                        here.closure_takers.push(f.sig.ident.to_string());
                    }
                    let float_valued = match &f.sig.output {
                        syn::ReturnType::Type(_, t) => {
                            crate::sig::float_of(t).is_some()
                                || matches!(&**t, syn::Type::Path(p) if f.sig.generics.type_params().any(|g| p.path.is_ident(&g.ident)))
                        }
                        syn::ReturnType::Default => false,
                    };
                    if float_valued {
                        here.float_valued.push(f.sig.ident.to_string());
                    }
                    // One taking a tuple of floats (`fn norm(p: (f64, f64))`) is followed
                    // into as a helper without the attribute: a caller's tuple then stays
                    // its parts. So is one that clears a `Vec` it is lent and pushes into it.
                    if takes_float_tuple(&f.sig) || crate::in_out::resizes_lent_vec(f) {
                        let mut plain = f.clone();
                        plain.attrs.retain(|a| {
                            a.path()
                                .segments
                                .last()
                                .is_none_or(|s| s.ident != "gradient")
                        });
                        let printed = quote::ToTokens::to_token_stream(&plain).to_string();
                        here.plain.push((f.sig.ident.to_string(), printed));
                    }
                } else {
                    if f.attrs.iter().any(|a| {
                        a.path()
                            .segments
                            .last()
                            .is_some_and(|s| s.ident == "custom_gradient")
                    }) {
                        here.rules.push(f.sig.ident.to_string());
                    }
                    let printed = quote::ToTokens::to_token_stream(f).to_string();
                    here.plain.push((f.sig.ident.to_string(), printed));
                }
            }
            syn::Item::Const(c) => {
                let ty = quote::ToTokens::to_token_stream(&c.ty).to_string();
                here.consts.push((c.ident.to_string(), ty));
            }
            syn::Item::Static(c) if matches!(c.mutability, syn::StaticMutability::None) => {
                let ty = quote::ToTokens::to_token_stream(&c.ty).to_string();
                here.consts.push((c.ident.to_string(), ty));
            }
            syn::Item::Struct(st) => {
                if matches!(st.fields, syn::Fields::Unit) {
                    here.unit_structs.push(st.ident.to_string());
                }
                if let syn::Fields::Unnamed(unnamed) = &st.fields {
                    if st.generics.params.is_empty() {
                        let types = unnamed
                            .unnamed
                            .iter()
                            .map(|f| quote::ToTokens::to_token_stream(&f.ty).to_string())
                            .collect();
                        here.tuple_structs.push((st.ident.to_string(), types));
                    }
                }
                if let syn::Fields::Named(named) = &st.fields {
                    let fields: Vec<(String, String)> = named
                        .named
                        .iter()
                        .filter_map(|f| {
                            let ty = quote::ToTokens::to_token_stream(&f.ty).to_string();
                            Some((f.ident.as_ref()?.to_string(), ty))
                        })
                        .collect();
                    here.generic_structs.push((st.ident.to_string(), fields));
                    here.struct_params.push((
                        st.ident.to_string(),
                        st.generics
                            .type_params()
                            .map(|t| t.ident.to_string())
                            .collect(),
                    ));
                    if derives(&st.attrs, "Default") {
                        here.defaults.push(st.ident.to_string());
                    }
                    for f in &named.named {
                        let skip = f.attrs.iter().any(|a| {
                            a.path().is_ident("params")
                                && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "skip")
                        });
                        if let (true, Some(id)) = (skip, &f.ident) {
                            here.skipped.push((st.ident.to_string(), id.to_string()));
                        }
                    }
                }
            }
            syn::Item::Impl(imp) => {
                let whole = gradient_args(&imp.attrs).is_some();
                let ty = quote::ToTokens::to_token_stream(&imp.self_ty).to_string();
                // (A trait's method too, `impl Predict for Linear`: called on a `Linear`, it
                // is that one.)
                let plain_impl = imp.generics.params.is_empty();
                let written = |n: &syn::Ident| {
                    imp.items
                        .iter()
                        .any(|i| matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == *n))
                };
                let of_trait = imp
                    .trait_
                    .as_ref()
                    .and_then(|(_, p, _)| p.get_ident())
                    .map(ToString::to_string);
                let inherited = defaults
                    .iter()
                    .filter(|(t, f)| Some(t) == of_trait.as_ref() && !written(&f.sig.ident))
                    .filter_map(|(_, f)| {
                        Some(syn::ImplItem::Fn(syn::ImplItemFn {
                            attrs: f.attrs.clone(),
                            vis: syn::Visibility::Inherited,
                            defaultness: None,
                            sig: f.sig.clone(),
                            block: f.default.clone()?,
                        }))
                    })
                    .collect::<Vec<_>>();
                for i in imp.items.iter().chain(&inherited) {
                    if let syn::ImplItem::Fn(f) = i {
                        if whole || gradient_args(&f.attrs).is_some() {
                            // (A trait's default method, `inherited`, is the trait's: it may
                            // carry the attribute.)
                            let own = imp.items.iter().any(|x| std::ptr::eq(x, i));
                            if imp.trait_.is_some() && !whole && own {
                                here.in_trait_impls.push(f.sig.ident.to_string());
                            } else {
                                here.elsewhere.push(f.sig.ident.to_string());
                            }
                            here.annotated.push(f.sig.ident.to_string());
                            let (sig, block) = (&f.sig, &f.block);
                            here.annotated_methods.push((
                                f.sig.ident.to_string(),
                                quote::quote!(#sig #block).to_string(),
                                ty.clone(),
                            ));
                            continue;
                        }
                        here.unannotated_methods.push(f.sig.ident.to_string());
                        // (`impl Mul<Vec3> for f64`: a float is `Copy`.)
                        // (`impl<T: Float> V2<T>` of a `Copy` struct `V2<T>`: its name alone.)
                        let base = match &*imp.self_ty {
                            syn::Type::Path(p) => p
                                .path
                                .segments
                                .last()
                                .map_or_else(|| ty.clone(), |s| s.ident.to_string()),
                            _ => ty.clone(),
                        };
                        let copy = copy_types.contains(&ty)
                            || copy_types.contains(&base)
                            || ty == "f64"
                            || ty == "f32";
                        // (A generic `impl<T: Float> Lin<T>`'s method: a function generic
                        // over the `impl`'s parameters and its own, `Self` being `Lin<T>`.)
                        let mut sig = f.sig.clone();
                        if !plain_impl {
                            let mut params = imp.generics.params.clone();
                            params.extend(sig.generics.params.iter().cloned());
                            let mut clauses: Vec<syn::WherePredicate> = imp
                                .generics
                                .where_clause
                                .iter()
                                .flat_map(|w| w.predicates.iter().cloned())
                                .collect();
                            clauses.extend(
                                sig.generics
                                    .where_clause
                                    .iter()
                                    .flat_map(|w| w.predicates.iter().cloned()),
                            );
                            sig.generics.params = params;
                            sig.generics.lt_token = Some(Default::default());
                            sig.generics.gt_token = Some(Default::default());
                            sig.generics.where_clause = (!clauses.is_empty())
                                .then(|| syn::parse_quote!(where #(#clauses),*));
                        }
                        // (Of a generic `impl` too, generic as above.)
                        if f.sig.generics.params.is_empty()
                            && f.sig
                                .receiver()
                                .is_some_and(|r| r.mutability.is_some() && r.reference.is_some())
                        {
                            let as_fn = syn::ItemFn {
                                attrs: f.attrs.clone(),
                                vis: f.vis.clone(),
                                sig: sig.clone(),
                                block: Box::new(f.block.clone()),
                            };
                            let printed = quote::ToTokens::to_token_stream(&as_fn).to_string();
                            here.mut_methods
                                .push((ty.clone(), f.sig.ident.to_string(), printed));
                        }
                        // (An associated function, `fn act(z: f64) -> f64` called
                        // `Self::act(z)`, too.)
                        if f.sig.receiver().is_none_or(|r| {
                            r.mutability.is_none() && (r.reference.is_some() || copy)
                        }) {
                            let as_fn = syn::ItemFn {
                                attrs: f.attrs.clone(),
                                vis: f.vis.clone(),
                                sig,
                                block: Box::new(f.block.clone()),
                            };
                            let printed = quote::ToTokens::to_token_stream(&as_fn).to_string();
                            here.methods
                                .push((ty.clone(), f.sig.ident.to_string(), printed));
                        }
                    }
                }
            }
            syn::Item::Trait(t) => {
                for i in &t.items {
                    if let syn::TraitItem::Fn(f) = i {
                        if f.default.is_some() && gradient_args(&f.attrs).is_none() {
                            here.unannotated_methods.push(f.sig.ident.to_string());
                        }
                    }
                }
            }
            syn::Item::Mod(m) => match &m.content {
                Some((_, inner)) => {
                    let mut below = here.path.clone();
                    below.push(m.ident.to_string());
                    let glob = inner.iter().any(|i| {
                        matches!(i, syn::Item::Use(u) if quote::ToTokens::to_token_stream(&u.tree).to_string() == "super :: *")
                    });
                    self::items(inner, path, modules, below, glob);
                }
                None => {
                    if let Some(found) = module_file(path, m) {
                        file(&found);
                        here.files.push((m.ident.to_string(), found));
                    }
                }
            },
            _ => {}
        }
    }
    // A method name two `impl`s of one type share (its own and a trait's, two traits') is
    // called through a trait in scope or a path the receiver alone does not tell: none of them.
    // (A float's operators, `impl Mul<Vec3> for f64` beside `impl Mul<Vec2> for f64`, are told
    // apart by their parameter's type: see `file_methods`.)
    let dup = |(t, n, _): &(String, String, String)| {
        t != "f64"
            && t != "f32"
            && here
                .methods
                .iter()
                .filter(|(t2, n2, _)| t2 == t && n2 == n)
                .count()
                > 1
    };
    let kept: Vec<_> = here.methods.iter().filter(|m| !dup(m)).cloned().collect();
    here.methods = kept;
    modules.push(here);
}

/// The file of `mod name;` declared in the file at `path`: `#[path = ".."]`, or `name.rs` or
/// `name/mod.rs` beside it (a crate root, a `mod.rs`) or in its own directory (another module
/// file). Which of those rustc reads depends on whether `path` is a crate root, which the macro
/// cannot see; the first that exists is taken (evidence only, as every registration is).
fn module_file(path: &std::path::Path, m: &syn::ItemMod) -> Option<PathBuf> {
    let dir = path.parent()?;
    let explicit = m.attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(dir.join(s.value())),
            _ => None,
        },
        _ => None,
    });
    if explicit.is_some() {
        return explicit.filter(|p| p.is_file());
    }
    let name = m.ident.to_string();
    let own = path.file_stem().map(|stem| dir.join(stem));
    [Some(dir.to_path_buf()), own]
        .into_iter()
        .flatten()
        .flat_map(|d| [d.join(format!("{name}.rs")), d.join(&name).join("mod.rs")])
        .find(|p| p.is_file())
}

/// Whether a parameter of `sig` is a tuple of floats, or a reference to one.
pub fn takes_float_tuple(sig: &syn::Signature) -> bool {
    sig.inputs.iter().any(|i| {
        let syn::FnArg::Typed(pt) = i else {
            return false;
        };
        let ty = match &*pt.ty {
            syn::Type::Reference(r) => &*r.elem,
            t => t,
        };
        // (Of a generic function, `(T, T)` of its type parameter.)
        let float = |e: &syn::Type| {
            crate::sig::float_of(e).is_some()
                || sig.generics.type_params().any(|tp| {
                    matches!(e, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident(&tp.ident))
                })
        };
        matches!(ty, syn::Type::Tuple(t) if t.elems.len() >= 2 && t.elems.iter().all(float))
    })
}

/// The arguments of a `#[gradient(..)]` (or `#[grad::gradient]`) attribute, if there is one.
fn gradient_args(attrs: &[syn::Attribute]) -> Option<proc_macro2::TokenStream> {
    attrs.iter().find_map(|a| {
        let last = a.path().segments.last()?;
        if last.ident != "gradient" {
            return None;
        }
        match &a.meta {
            syn::Meta::Path(_) => Some(proc_macro2::TokenStream::new()),
            syn::Meta::List(l) => Some(l.tokens.clone()),
            syn::Meta::NameValue(_) => None,
        }
    })
}

/// What the expansion of `f` registers about its signature: whether it returns a vector, and
/// where its model parameter is (a vector-valued function takes it first).
pub fn register(args_tokens: &proc_macro2::TokenStream, f: &syn::ItemFn) {
    let Ok(args) = syn::parse2::<crate::attr::Args>(args_tokens.clone()) else {
        return;
    };
    // (Read with its own generic float type; the expansion under way keeps its own.)
    crate::sig::keeping_generic_float(|| {
        crate::sig::choose_generic_float(&f.sig);
        crate::desugar::vector_calls::register(&f.sig);
        // (A helper taking closures is inlined into its callers, not expanded as the others.)
        if f.sig.receiver().is_some() || crate::closure_calls::takes_closures(&f.sig) {
            return;
        }
        let at = crate::fields::model_calls::model_position(&args, &f.sig);
        if crate::vector::returns_floats(&f.sig) {
            if at == Some(0) {
                crate::fields::model_calls::register(&f.sig.ident, at);
            }
        } else {
            crate::fields::model_calls::register(&f.sig.ident, at);
        }
    });
}
