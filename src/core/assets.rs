//! The built shell assets (JS glue, WebAssembly, CSS). A release build by cargo-leptos
//! (`hash-files = true`) names them by content (`hearth.<hash>.wasm`) and writes the hashes
//! to `hash.txt` beside the server binary, where Leptos reads them to write its script and
//! stylesheet tags. Content-named files never change, so they are served as immutable; the
//! service worker precaches exactly the current build's files.
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assets {
    /// Whether the names carry content hashes (a cargo-leptos release build).
    pub hashed: bool,
    /// Site paths of the JS glue, the WebAssembly and the stylesheet.
    pub files: Vec<String>,
    /// Names this build (the service worker's cache).
    pub version: String,
}

impl Assets {
    /// Reads the hash file next to the running binary, if there is one.
    pub fn of_this_build(output_name: &str, pkg_dir: &str, site_root: &Path) -> Self {
        let hashes = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
            .and_then(|path| std::fs::read_to_string(path).ok());
        Self::from_hash_file(hashes.as_deref(), output_name, pkg_dir, site_root)
    }

    pub fn from_hash_file(hashes: Option<&str>, output_name: &str, pkg_dir: &str, site_root: &Path) -> Self {
        let hash_of = |kind: &str| {
            hashes?.lines().find_map(|l| {
                l.trim().split_once(':').filter(|(k, _)| k.trim() == kind).map(|(_, h)| h.trim().to_string())
            })
        };
        let name = |kind: &str, ext: &str| match hash_of(kind) {
            Some(h) => format!("/{pkg_dir}/{output_name}.{h}.{ext}"),
            None => format!("/{pkg_dir}/{output_name}.{ext}"),
        };
        let files = vec![name("js", "js"), name("wasm", "wasm"), name("css", "css")];
        let hashed = hashes.is_some() && ["js", "wasm", "css"].iter().all(|k| hash_of(k).is_some());
        // The version: the hashes themselves, or else the bytes of the unhashed files.
        let mut seed = String::new();
        match hashes {
            Some(h) if hashed => seed.push_str(h),
            _ => {
                for f in &files {
                    if let Ok(bytes) = std::fs::read(site_root.join(f.trim_start_matches('/'))) {
                        seed.push_str(&String::from_utf8_lossy(&bytes));
                    }
                }
            }
        }
        let version = crate::core::crypto::token_hash(&seed)[..12].to_string();
        Self { hashed, files, version }
    }

    /// Whether a request path is one of this build's content-named files.
    pub fn is_immutable(&self, path: &str) -> bool {
        self.hashed && self.files.iter().any(|f| f == path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_come_from_the_hash_file() {
        let a = Assets::from_hash_file(Some("js: abc\nwasm: def\ncss: ghi\n"), "hearth", "pkg", Path::new("/nowhere"));
        assert!(a.hashed);
        assert_eq!(a.files, ["/pkg/hearth.abc.js", "/pkg/hearth.def.wasm", "/pkg/hearth.ghi.css"]);
        assert!(a.is_immutable("/pkg/hearth.def.wasm"));
        assert!(!a.is_immutable("/pkg/hearth.wasm"));
        let b = Assets::from_hash_file(Some("js: abc\nwasm: xyz\ncss: ghi\n"), "hearth", "pkg", Path::new("/nowhere"));
        assert_ne!(a.version, b.version, "a new build is a new version");
        let plain = Assets::from_hash_file(None, "hearth", "pkg", Path::new("/nowhere"));
        assert!(!plain.hashed);
        assert_eq!(plain.files[1], "/pkg/hearth.wasm");
        assert!(!plain.is_immutable("/pkg/hearth.wasm"), "unhashed files are revalidated");
    }
}
