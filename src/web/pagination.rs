//! One list's pages: the requested page clamped to those that exist, its SQL offset and limit, and the links `partials/pagination.html` shows.

use serde::Serialize;

/// Page `page` of a list of `total` items shown `per_page` at a time. A page past the end is
/// the last page and a page below 1 the first, so no list ever says "Page 999 sur 4".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Pagination {
    page: i64,
    pages: i64,
    per_page: i64,
    total: i64,
}

/// What the pagination partial shows.
#[derive(Clone, Debug, Serialize)]
pub struct PaginationView {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    /// First, last, and the pages around the current one; `page: None` is a gap ("…").
    pub links: Vec<PageLink>,
}

/// One numbered link of the partial (or a gap between them).
#[derive(Clone, Debug, Serialize)]
pub struct PageLink {
    pub page: Option<i64>,
    pub url: Option<String>,
    pub current: bool,
}

impl Pagination {
    pub fn new(requested: i64, per_page: i64, total: i64) -> Self {
        let per_page = per_page.max(1);
        let total = total.max(0);
        let pages = (total / per_page + i64::from(total % per_page != 0)).max(1);
        Self {
            page: requested.clamp(1, pages),
            pages,
            per_page,
            total,
        }
    }

    /// `?page=` as typed: a whole number from 1; anything else (absent, text, too large for a
    /// number) is page 1.
    pub fn requested(raw: Option<&str>) -> i64 {
        raw.and_then(|r| r.trim().parse::<i64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }

    pub fn page(&self) -> i64 {
        self.page
    }

    pub fn pages(&self) -> i64 {
        self.pages
    }

    pub fn total(&self) -> i64 {
        self.total
    }

    /// Rows to skip in SQL (`OFFSET`).
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// Rows to read in SQL (`LIMIT`).
    pub fn limit(&self) -> i64 {
        self.per_page
    }

    /// The partial's links, each the request's own path and query (`current`, as in
    /// `RequestContext::path`) with only `page` changed, so filters and searches are kept.
    pub fn view(&self, current: &str) -> PaginationView {
        let url = |page: i64| page_url(current, page);
        let mut numbers: Vec<i64> = vec![1, self.page - 1, self.page, self.page + 1, self.pages];
        numbers.retain(|p| (1..=self.pages).contains(p));
        numbers.sort_unstable();
        numbers.dedup();
        let mut links = Vec::new();
        let mut last = 0;
        for page in numbers {
            if page > last + 1 {
                links.push(PageLink {
                    page: None,
                    url: None,
                    current: false,
                });
            }
            links.push(PageLink {
                page: Some(page),
                url: Some(url(page)),
                current: page == self.page,
            });
            last = page;
        }
        PaginationView {
            page: self.page,
            pages: self.pages,
            total: self.total,
            prev_url: (self.page > 1).then(|| url(self.page - 1)),
            next_url: (self.page < self.pages).then(|| url(self.page + 1)),
            links,
        }
    }
}

/// `current` (a path with its query) with `page` set to `page` (left out for page 1).
fn page_url(current: &str, page: i64) -> String {
    let (path, query) = current.split_once('?').unwrap_or((current, ""));
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key != "page" {
            out.append_pair(&key, &value);
        }
    }
    if page > 1 {
        out.append_pair("page", &page.to_string());
    }
    let query = out.finish();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_past_the_end_is_the_last_page_and_below_one_the_first() {
        let p = Pagination::new(999, 12, 40);
        assert_eq!((p.page(), p.pages()), (4, 4));
        assert_eq!((p.offset(), p.limit()), (36, 12));
        assert_eq!(Pagination::new(-3, 12, 40).page(), 1);
        assert_eq!(Pagination::new(0, 12, 40).offset(), 0);
        assert_eq!(Pagination::new(i64::MAX, 20, 41).page(), 3);
    }

    #[test]
    fn an_empty_list_has_one_page() {
        let p = Pagination::new(5, 20, 0);
        assert_eq!((p.page(), p.pages(), p.offset()), (1, 1, 0));
        assert!(p.view("/x").links.len() == 1);
        assert_eq!(Pagination::new(1, 20, 20).pages(), 1);
        assert_eq!(Pagination::new(1, 20, 21).pages(), 2);
    }

    #[test]
    fn the_requested_page_is_read_leniently() {
        assert_eq!(Pagination::requested(Some("3")), 3);
        assert_eq!(Pagination::requested(Some(" 2 ")), 2);
        assert_eq!(Pagination::requested(Some("abc")), 1);
        assert_eq!(Pagination::requested(Some("-1")), 1);
        assert_eq!(Pagination::requested(Some("99999999999999999999")), 1);
        assert_eq!(Pagination::requested(None), 1);
    }

    #[test]
    fn links_keep_the_other_query_parameters_and_change_only_the_page() {
        let view = Pagination::new(2, 10, 100).view("/courses?q=caf%C3%A9+noir&page=2&price=free");
        assert_eq!(
            view.prev_url.as_deref(),
            Some("/courses?q=caf%C3%A9+noir&price=free")
        );
        assert_eq!(
            view.next_url.as_deref(),
            Some("/courses?q=caf%C3%A9+noir&price=free&page=3")
        );
        let view = Pagination::new(1, 10, 30).view("/notifications");
        assert_eq!(view.next_url.as_deref(), Some("/notifications?page=2"));
        assert_eq!(view.prev_url, None);
    }

    #[test]
    fn numbered_links_show_the_ends_and_the_neighbours_with_gaps_between() {
        let view = Pagination::new(5, 10, 100).view("/forum");
        let shown: Vec<Option<i64>> = view.links.iter().map(|l| l.page).collect();
        assert_eq!(
            shown,
            [Some(1), None, Some(4), Some(5), Some(6), None, Some(10)]
        );
        assert!(
            view.links
                .iter()
                .filter(|l| l.current)
                .all(|l| l.page == Some(5))
        );
        let shown: Vec<Option<i64>> = Pagination::new(1, 10, 30)
            .view("/forum")
            .links
            .iter()
            .map(|l| l.page)
            .collect();
        assert_eq!(shown, [Some(1), Some(2), Some(3)]);
    }
}
