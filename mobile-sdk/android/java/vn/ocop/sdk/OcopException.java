package vn.ocop.sdk;

import java.nio.charset.StandardCharsets;

/**
 * An error from the SDK: the stable code (e.g. "perm.unit_not_covered", listed in docs/errors.md),
 * a message, and the kind, which says whether retrying can help. Thrown by every OcopDatabase call
 * that fails; a C++ exception never reaches the JVM in any other form.
 */
public final class OcopException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** ocop::ErrorKind, by the same names. */
    public enum Kind {
        INVALID_INPUT, NOT_FOUND, CONFLICT, UNAUTHORIZED, FORBIDDEN, TOO_LARGE, TRANSIENT, INTERNAL
    }

    private final Kind kind;
    private final String code;

    public OcopException(Kind kind, String code, String message) {
        super(message);
        this.kind = kind;
        this.code = code;
    }

    // Called from the JNI glue: UTF-8 bytes, so Vietnamese messages arrive intact.
    OcopException(byte[] kind, byte[] code, byte[] message) {
        this(kindOf(new String(kind, StandardCharsets.UTF_8)), new String(code, StandardCharsets.UTF_8),
                new String(message, StandardCharsets.UTF_8));
    }

    private static Kind kindOf(String name) {
        try {
            return Kind.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Kind.INTERNAL;
        }
    }

    public Kind kind() { return kind; }

    /** The stable code, e.g. "record.not_found". */
    public String code() { return code; }

    /** A later attempt may succeed (network, server busy). */
    public boolean retryable() { return kind == Kind.TRANSIENT; }

    @Override
    public String toString() { return "OcopException(" + code + ", " + kind + "): " + getMessage(); }
}
