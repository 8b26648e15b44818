package vn.ocop.sdk;

import java.util.List;

/** A committed transaction: its changeset's sequence and each operation's record id, in order. */
public final class WriteResult {
    public final long seq;
    public final List<String> ids;

    WriteResult(long seq, List<String> ids) {
        this.seq = seq;
        this.ids = ids;
    }
}
