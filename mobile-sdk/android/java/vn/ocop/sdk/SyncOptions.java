package vn.ocop.sdk;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a sync run does; the defaults are the SDK's (ocop::sync::SyncOptions). */
public final class SyncOptions {
    /** false: only upload; the run is complete when nothing is pending. */
    public boolean pull = true;
    /** Changesets per push request (1 or more); 0 keeps the SDK's default. */
    public int maxChangesetsPerRequest = 0;
    /** Cells per pull page; 0 is the server's default. */
    public int pageCells = 0;
    /** Sent to the server with every request; null keeps the SDK's default. */
    public String appVersion = null;

    String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pull", pull);
        if (maxChangesetsPerRequest > 0) m.put("max_changesets_per_request", (long) maxChangesetsPerRequest);
        if (pageCells > 0) m.put("page_cells", (long) pageCells);
        if (appVersion != null) m.put("app_version", appVersion);
        return Json.write(m);
    }
}
