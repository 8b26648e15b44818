package vn.ocop.sdk;

import java.util.Map;

/** A changeset the server refused, kept on the device until a person fixes or discards it. */
public final class RefusedChangeset {
    public final long seq;
    public final String code;
    public final String message;
    /** The sentence to show the officer (the SDK's Vietnamese catalogue). */
    public final String messageVi;
    /** The changeset as docs/changeset-format.md shows it (records with their field values). */
    public final Map<String, Object> changeset;

    @SuppressWarnings("unchecked")
    RefusedChangeset(Map<String, Object> j) {
        seq = (Long) j.get("seq");
        code = (String) j.get("code");
        message = (String) j.get("message");
        messageVi = (String) j.get("message_vi");
        changeset = (Map<String, Object>) j.get("changeset");
    }
}
