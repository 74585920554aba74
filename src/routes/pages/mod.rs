//! HTML pages (askama templates): what a browser, not a program, opens.

pub mod facts_page;
pub mod landing;
pub mod scan_page;
