package vn.ocop.sdk;

import java.util.Map;

/**
 * The outcome of one sync run. A failed run (offline, cancelled, refused token) is a report with
 * complete == false and an error code, never an exception.
 */
public final class SyncReport {
    public final boolean complete;
    public final long pushed, refused, pending, pulled, requests;
    /** Empty when complete; e.g. "sync.cancelled", "sync.no_connection". */
    public final String errorCode;
    public final String errorMessage;
    public final boolean errorTransient;
    /** The whole report as the SDK gave it (docs/sdk-android-ios.md), with the refusals. */
    public final Map<String, Object> json;

    @SuppressWarnings("unchecked")
    SyncReport(Map<String, Object> j) {
        json = j;
        complete = Boolean.TRUE.equals(j.get("complete"));
        pushed = (Long) j.get("pushed");
        refused = (Long) j.get("refused");
        pending = (Long) j.get("pending");
        pulled = (Long) j.get("pulled");
        requests = (Long) j.get("requests");
        Map<String, Object> e = (Map<String, Object>) j.get("error");
        errorCode = e == null ? "" : (String) e.get("code");
        errorMessage = e == null ? "" : (String) e.get("message");
        errorTransient = e != null && Boolean.TRUE.equals(e.get("transient"));
    }

    @Override
    public String toString() { return Json.write(json); }
}
