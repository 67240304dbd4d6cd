//! Views: pages (one per route) and small reusable components. Presentation only.
pub mod components;
pub mod pages;
