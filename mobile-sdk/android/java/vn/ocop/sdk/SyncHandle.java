package vn.ocop.sdk;

/**
 * A sync run on its own thread ("ocop-sync", a daemon Java thread the handle owns), from
 * {@link OcopDatabase#syncAsync}. {@link #cancel} may be called from any thread at any time, also
 * after the run ended; the run stops at its next checkpoint and reports "sync.cancelled".
 */
public final class SyncHandle {
    private long token;  // the native cancel flag; 0 once the run ended and freed it
    private final Thread thread;
    private SyncReport report;
    private RuntimeException failure;

    SyncHandle(OcopDatabase db, SyncListener listener, SyncOptions options) {
        token = nativeNewCancel();
        final long t = token;
        thread = new Thread(() -> run(db, listener, options, t), "ocop-sync");
        thread.setDaemon(true);
    }

    void start() { thread.start(); }

    private void run(OcopDatabase db, SyncListener listener, SyncOptions options, long t) {
        SyncReport r = null;
        RuntimeException f = null;
        try {
            r = db.syncWithToken(listener, options, t);
        } catch (RuntimeException e) {
            f = e;
        } catch (Error e) {
            f = new RuntimeException(e);
        }
        synchronized (this) {
            report = r;
            failure = f;
            nativeFreeCancel(token);
            token = 0;
        }
        db.forget(this);
    }

    /** Asks the run to stop; safe from any thread, any number of times. */
    public synchronized void cancel() {
        if (token != 0) nativeCancel(token);
    }

    public synchronized boolean isDone() { return token == 0; }

    /** Waits for the run and returns its report; throws what the run threw (OcopException). */
    public SyncReport await() throws InterruptedException {
        thread.join();
        synchronized (this) {
            if (failure != null) throw failure;
            return report;
        }
    }

    private static native long nativeNewCancel();
    private static native void nativeCancel(long token);
    private static native void nativeFreeCancel(long token);
}
