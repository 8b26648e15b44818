package vn.ocop.sdk;

import java.util.List;

/** One page of a list: `more` says records after these exist; the next starts after nextAfterId. */
public final class Page {
    public final List<Record> records;
    public final boolean more;
    public final String nextAfterId;

    Page(List<Record> records, boolean more, String nextAfterId) {
        this.records = records;
        this.more = more;
        this.nextAfterId = nextAfterId;
    }
}
