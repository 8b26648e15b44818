package vn.ocop.sdk;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The edits of one local transaction, committed by {@link OcopDatabase#write} as one changeset
 * (all or nothing). Field values are Java values as in {@link Json}.
 */
public final class Transaction {
    final List<Object> ops = new ArrayList<>();

    /** A new record; its id is in the WriteResult's ids at this operation's position. */
    public Transaction create(String collection, Map<String, Object> fields) {
        return add("create", collection, null, fields);
    }

    /** Sets fields of a record (creating it if the id is new). */
    public Transaction put(String collection, String id, Map<String, Object> fields) {
        return add("put", collection, id, fields);
    }

    /** Deletes a record (a tombstone). */
    public Transaction remove(String collection, String id) { return add("remove", collection, id, null); }

    /** Brings a deleted record back, with `fields` written with it. */
    public Transaction restore(String collection, String id, Map<String, Object> fields) {
        return add("restore", collection, id, fields);
    }

    private Transaction add(String op, String collection, String id, Map<String, Object> fields) {
        if (collection == null) throw new IllegalArgumentException("collection is null");
        if (id == null && !op.equals("create")) throw new IllegalArgumentException("id is null");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", op);
        m.put("collection", collection);
        if (id != null) m.put("id", id);
        if (fields != null) m.put("fields", fields);
        ops.add(m);
        return this;
    }

    /** A field map in one expression: fields("site_name", "Chợ Long Xuyên", "status", "draft"). */
    public static Map<String, Object> fields(Object... nameValue) {
        if (nameValue.length % 2 != 0) throw new IllegalArgumentException("fields come in name, value pairs");
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) m.put((String) nameValue[i], nameValue[i + 1]);
        return m;
    }
}
