package vn.ocop.sdk;

/**
 * Progress of a sync run, after every exchange with the server. Called on the thread that runs the
 * sync: the caller's for {@link OcopDatabase#sync}, the handle's "ocop-sync" thread for
 * {@link OcopDatabase#syncAsync}. It must not call the same OcopDatabase (the run holds it: such a call
 * throws OcopException "sdk.in_listener"); an
 * exception it throws stops the run and is thrown by sync() (or by SyncHandle.await()).
 */
@FunctionalInterface
public interface SyncListener {
    void onProgress(SyncProgress progress);
}
