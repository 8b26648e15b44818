package vn.ocop.sdk;

/** Counters of one sync run so far (ocop::sync::SyncProgress). */
public final class SyncProgress {
    public final long requests, pushed, refused, pending, pulledCells, evicted, cursor, serverHead,
            bytesSent, bytesReceived, failedAttempts;

    SyncProgress(long[] v) {
        requests = v[0];
        pushed = v[1];
        refused = v[2];
        pending = v[3];
        pulledCells = v[4];
        evicted = v[5];
        cursor = v[6];
        serverHead = v[7];
        bytesSent = v[8];
        bytesReceived = v[9];
        failedAttempts = v[10];
    }

    @Override
    public String toString() {
        return "SyncProgress{requests=" + requests + ", pushed=" + pushed + ", refused=" + refused
                + ", pending=" + pending + ", pulled=" + pulledCells + ", cursor=" + cursor + "/" + serverHead + "}";
    }
}
