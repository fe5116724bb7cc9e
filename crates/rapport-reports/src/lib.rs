//! Book reports computed from rule facts: what a manager reads to judge the book.
