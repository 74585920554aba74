//! HTML pages (askama templates): what a browser, not a program, opens.

pub mod console_page;
pub mod facts_page;
pub mod landing;
pub mod report_page;
pub mod scan_page;
