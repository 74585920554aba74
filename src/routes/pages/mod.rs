//! HTML pages (askama templates): what a browser, not a program, opens.

pub mod scan_page;
