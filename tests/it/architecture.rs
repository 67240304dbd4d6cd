//! The dependency rule, checked on the source: the core never imports a gathering, and no
//! gathering imports another (ARCHITECTURE.md, "The dependency rule").
use std::path::{Path, PathBuf};

const CORE: &[&str] = &["src/core", "src/ui", "src/platform.rs"];
/// The gathering folders (a new gathering adds its folder here and in `GATHERINGS`).
const GATHERINGS: &[&str] = &["santa", "events", "vouchers", "lunches"];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    assert!(path.exists(), "{} is listed but does not exist", path.display());
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

fn files_under(parts: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for p in parts {
        rust_files(&root.join(p), &mut files);
    }
    assert!(!files.is_empty(), "no source found under {parts:?}");
    files
}

/// The import paths of a file that name a gathering (`crate::santa`, `hearth::santa`).
fn imports_of(file: &Path, gathering: &str) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .filter(|l| l.contains(&format!("crate::{gathering}")) || l.contains(&format!("hearth::{gathering}")))
        .map(|l| format!("{}: {}", file.display(), l.trim()))
        .collect()
}

#[test]
fn the_core_imports_no_gathering() {
    let offending: Vec<String> =
        files_under(CORE).iter().flat_map(|f| GATHERINGS.iter().flat_map(move |g| imports_of(f, g))).collect();
    assert!(offending.is_empty(), "the core names a gathering:\n{}", offending.join("\n"));
}

#[test]
fn no_gathering_imports_another() {
    for g in GATHERINGS {
        let offending: Vec<String> = files_under(&[&format!("src/{g}")])
            .iter()
            .flat_map(|f| GATHERINGS.iter().filter(|o| *o != g).flat_map(move |o| imports_of(f, o)))
            .collect();
        assert!(offending.is_empty(), "{g} imports another gathering:\n{}", offending.join("\n"));
    }
}

#[test]
fn the_check_sees_an_import_when_there_is_one() {
    // The rule would pass vacuously if the scan missed imports: app.rs (the composition
    // root, outside the core) imports Santa's pages, and the scan must see it.
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app.rs");
    assert!(!imports_of(&app, "santa").is_empty());
}

#[test]
fn pages_import_no_server_side_module() {
    let mut files = files_under(&["src/ui"]);
    // A gathering still being built may have no pages yet.
    files.extend(
        GATHERINGS
            .iter()
            .map(|g| Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("src/{g}/pages.rs")))
            .filter(|p| p.exists()),
    );
    assert!(files.iter().any(|f| f.ends_with("santa/pages.rs")));
    let forbidden = ["core::db", "core::server", "core::mail", "core::jobs", "store::", "service::"];
    let offending: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            forbidden
                .iter()
                .filter(|p| text.lines().any(|l| !l.trim_start().starts_with("//") && l.contains(*p)))
                .map(|p| format!("{} names {p}", f.display()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(offending.is_empty(), "{}", offending.join("\n"));
}

/// The core's layers, lowest first (src/core/mod.rs): a file may import its own layer and
/// those before it, never one after it (no two core modules import each other).
const CORE_LAYERS: &[&[&str]] = &[
    &["domain", "error"],
    &["config", "crypto", "metrics", "assets", "media", "mp4_metadata", "oidc_discovery"],
    &["db"],
    &["mail"],
    &["state", "registry"],
    &["jobs"],
    &["server"],
    &["api"],
];

fn layer_of(module: &str) -> Option<usize> {
    CORE_LAYERS.iter().position(|layer| layer.contains(&module))
}

#[test]
fn core_layers_import_only_downwards() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut offending = Vec::new();
    let mut seen = 0;
    for file in files_under(&["src/core"]) {
        let rel = file.strip_prefix(&core).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let Some(own) = layer_of(&first) else { continue };
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim_start().starts_with("//")) {
            for part in line.split("crate::core::").skip(1) {
                let module: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                seen += 1;
                if layer_of(&module).is_some_and(|l| l > own) {
                    offending.push(format!("{}:{}: {first} imports {module}", file.display(), i + 1));
                }
            }
        }
    }
    assert!(offending.is_empty(), "{}", offending.join("\n"));
    assert!(seen > 50, "the scan found only {seen} core imports: is it still reading them?");
    assert!(CORE_LAYERS
        .iter()
        .flat_map(|l| l.iter())
        .all(|m| core.join(m).exists() || core.join(format!("{m}.rs")).exists()));
}
