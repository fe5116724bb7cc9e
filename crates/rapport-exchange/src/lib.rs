//! Spreadsheet exchange: turns a team's CSV or XLSX customer sheet into validated
//! customer input with a row-level rejection report, and writes exports.
