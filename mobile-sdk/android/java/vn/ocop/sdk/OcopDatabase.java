package vn.ocop.sdk;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One device's local OCOP store (ocop::sdk::Database through JNI): write records in transactions,
 * read and query them, enrol with a provincial server, sync, see conflicts and refused changesets.
 *
 * <p>Threads: an OcopDatabase may be shared by threads; its calls run one at a time (a lock in
 * this class), so a call made while a sync runs waits for the sync to end. {@link
 * SyncHandle#cancel} never waits. A sync listener calling its own OcopDatabase gets an
 * OcopException "sdk.in_listener". Errors are {@link OcopException}; after {@link #close} every
 * call throws one with code "sdk.closed".
 */
public final class OcopDatabase implements AutoCloseable {
    static {
        System.loadLibrary("ocopsdk_jni");
    }

    private final Object lock = new Object();
    private long handle;
    private Thread syncing;  // the thread inside nativeSync (guarded by lock), to refuse reentry
    private final List<SyncHandle> running = new ArrayList<>();

    private OcopDatabase(long handle) { this.handle = handle; }

    /** Opens (creating if needed) the device store at `path`. */
    public static OcopDatabase open(String path) { return new OcopDatabase(nativeOpen(utf8(path))); }

    /** Cancels a running asynchronous sync, waits for it, and closes the store. Idempotent. */
    @Override
    public void close() {
        List<SyncHandle> runs;
        synchronized (running) {
            runs = new ArrayList<>(running);
        }
        for (SyncHandle h : runs) h.cancel();
        synchronized (lock) {
            if (handle == 0) return;
            nativeClose(handle);
            handle = 0;
        }
    }

    public WriteResult write(Transaction txn) {
        String answer;
        synchronized (lock) {
            answer = text(nativeWrite(open(), utf8(Json.write(txn.ops))));
        }
        Map<String, Object> j = object(answer);
        List<String> ids = new ArrayList<>();
        for (Object o : (List<?>) j.get("ids")) ids.add((String) o);
        return new WriteResult((Long) j.get("seq"), ids);
    }

    /** The record, or null when this device has no such record. */
    public Record get(String collection, String id) {
        byte[] b;
        synchronized (lock) {
            b = nativeGet(open(), utf8(collection), utf8(id));
        }
        return b == null ? null : new Record(object(text(b)));
    }

    /**
     * Live records matching every filter (field -> value; "unit" includes merged units), in id
     * order, after `afterId` (null: from the start), at most `limit` (0: all).
     */
    @SuppressWarnings("unchecked")
    public Page list(String collection, Map<String, Object> filters, int limit, String afterId) {
        byte[] b;
        synchronized (lock) {
            b = nativeList(open(), utf8(collection), filters == null ? null : utf8(Json.write(filters)), limit,
                    afterId == null ? null : utf8(afterId));
        }
        Map<String, Object> j = object(text(b));
        return new Page(Record.listOf(j.get("records")), Boolean.TRUE.equals(j.get("more")),
                (String) j.get("next_after_id"));
    }

    /** Records whose text fields hold every word of `query`, case and diacritics ignored. */
    public List<Record> search(String collection, String query, int limit, String field) {
        byte[] b;
        synchronized (lock) {
            b = nativeSearch(open(), utf8(collection), utf8(query), limit, field == null ? null : utf8(field));
        }
        return Record.listOf(Json.parse(text(b)));
    }

    /** Logs in once (the password is not kept); caFile may be null (system trust). */
    public void enroll(String url, String user, String password, String deviceName, String caFile) {
        synchronized (lock) {
            nativeEnroll(open(), utf8(url), utf8(user), utf8(password), deviceName == null ? null : utf8(deviceName),
                    caFile == null ? null : utf8(caFile));
        }
    }

    /** One sync run on this thread; the listener (may be null) is called on this thread. */
    public SyncReport sync(SyncListener listener, SyncOptions options) { return syncWithToken(listener, options, 0); }

    /** One sync run on a new "ocop-sync" thread; cancel it with the handle from any thread. */
    public SyncHandle syncAsync(SyncListener listener, SyncOptions options) {
        synchronized (lock) {
            open();
        }
        SyncHandle h = new SyncHandle(this, listener, options);
        synchronized (running) {
            running.add(h);
        }
        h.start();
        return h;
    }

    SyncReport syncWithToken(SyncListener listener, SyncOptions options, long token) {
        byte[] b;
        synchronized (lock) {
            long h = open();
            syncing = Thread.currentThread();
            try {
                b = nativeSync(h, listener, token, options == null ? null : utf8(options.toJson()));
            } finally {
                syncing = null;
            }
        }
        return new SyncReport(object(text(b)));
    }

    // An asynchronous run ended: close() need not cancel it any more.
    void forget(SyncHandle h) {
        synchronized (running) {
            running.remove(h);
        }
    }

    /** Where the device stands, as the SDK's status object (docs/sdk-android-ios.md). */
    public Map<String, Object> status() {
        synchronized (lock) {
            return object(text(nativeStatus(open())));
        }
    }

    @SuppressWarnings("unchecked")
    public List<RefusedChangeset> refused() {
        String t;
        synchronized (lock) {
            t = text(nativeRefused(open()));
        }
        List<RefusedChangeset> out = new ArrayList<>();
        for (Object o : (List<Object>) Json.parse(t)) out.add(new RefusedChangeset((Map<String, Object>) o));
        return out;
    }

    /** A person dropped a refused changeset; it leaves the device. */
    public void discardRefused(long seq) {
        synchronized (lock) {
            nativeDiscardRefused(open(), seq);
        }
    }

    /**
     * A person fixed a refused changeset: its values with `fixes` (record id -> fields) over them
     * are written again as a new changeset. Returns the new changeset's sequence.
     */
    public long resubmitRefused(long seq, Map<String, Map<String, Object>> fixes) {
        synchronized (lock) {
            return nativeResubmitRefused(open(), seq, fixes == null ? null : utf8(Json.write(fixes)));
        }
    }

    /** Open conflict records (fields: record_id, field, values [{value, user, stamp}], ...). */
    public List<Record> conflicts() {
        synchronized (lock) {
            return Record.listOf(Json.parse(text(nativeConflicts(open()))));
        }
    }

    /** Chooses the conflict's value at `index` (1-based, as listed). Returns the changeset's seq. */
    public long resolveConflictByIndex(String conflictId, int index) {
        synchronized (lock) {
            return nativeResolveByIndex(open(), utf8(conflictId), index);
        }
    }

    public long resolveConflictByWriter(String conflictId, String user) {
        synchronized (lock) {
            return nativeResolveByWriter(open(), utf8(conflictId), utf8(user));
        }
    }

    /** A person entered a new value (a Java value as in {@link Json}) for the conflicting field. */
    public long resolveConflict(String conflictId, Object value) {
        synchronized (lock) {
            return nativeResolveWithValue(open(), utf8(conflictId), utf8(Json.write(value)));
        }
    }

    public long reopenConflict(String conflictId) {
        synchronized (lock) {
            return nativeReopenConflict(open(), utf8(conflictId));
        }
    }

    /** Signs an inspection's minutes (status=signed, signed_by, signed_at) in one changeset. */
    public long signInspection(String inspectionId) {
        synchronized (lock) {
            return nativeSignInspection(open(), utf8(inspectionId));
        }
    }

    // Called by the JNI glue on the sync's thread.
    static void deliverProgress(SyncListener listener, long[] values) {
        listener.onProgress(new SyncProgress(values));
    }

    // Called under lock by every call: the handle, or why there is none to use.
    private long open() {
        if (handle == 0) throw new OcopException(OcopException.Kind.INVALID_INPUT, "sdk.closed", "the database is closed");
        // The lock is reentrant, so without this a listener would reach the store in the middle
        // of the sync that called it.
        if (syncing == Thread.currentThread())
            throw new OcopException(OcopException.Kind.CONFLICT, "sdk.in_listener",
                    "an OcopDatabase call from its own sync listener: hand the progress to another thread");
        return handle;
    }

    private static byte[] utf8(String s) {
        if (s == null) throw new IllegalArgumentException("a required argument is null");
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(String json) { return (Map<String, Object>) Json.parse(json); }

    private static native long nativeOpen(byte[] path);
    private static native void nativeClose(long h);
    private static native byte[] nativeWrite(long h, byte[] opsJson);
    private static native byte[] nativeGet(long h, byte[] collection, byte[] id);
    private static native byte[] nativeList(long h, byte[] collection, byte[] filtersJson, long limit, byte[] afterId);
    private static native byte[] nativeSearch(long h, byte[] collection, byte[] query, long limit, byte[] field);
    private static native void nativeEnroll(long h, byte[] url, byte[] user, byte[] password, byte[] deviceName,
            byte[] caFile);
    private static native byte[] nativeSync(long h, SyncListener listener, long cancelToken, byte[] optionsJson);
    private static native byte[] nativeStatus(long h);
    private static native byte[] nativeRefused(long h);
    private static native void nativeDiscardRefused(long h, long seq);
    private static native long nativeResubmitRefused(long h, long seq, byte[] fixesJson);
    private static native byte[] nativeConflicts(long h);
    private static native long nativeResolveByIndex(long h, byte[] conflictId, long index);
    private static native long nativeResolveByWriter(long h, byte[] conflictId, byte[] user);
    private static native long nativeResolveWithValue(long h, byte[] conflictId, byte[] valueJson);
    private static native long nativeReopenConflict(long h, byte[] conflictId);
    private static native long nativeSignInspection(long h, byte[] inspectionId);
}
